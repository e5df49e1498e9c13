"""Twitter / X (API v2): OAuth 2.0 with PKCE, DM and mention sync, bios of contacts."""
