"""HTTP adapters: JSON API (``web.api``) and server-rendered pages (``web.ui``)."""
