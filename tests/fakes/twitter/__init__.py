"""A fake X (Twitter) API v2 over HTTP: OAuth 2.0 with PKCE and rotating refresh tokens,
DM events, mentions and users lookup, with X's JSON, errors and rate-limit headers."""
