"""Google: OAuth, the API client, and the Gmail, Contacts and Calendar syncs."""
