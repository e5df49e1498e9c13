"""LinkedIn: the browser extension's backend (pairing, extension tokens, the message push,
profile backfill and avatars). The extension lives in ``extension/``; see docs/linkedin.md."""
