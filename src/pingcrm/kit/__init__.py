"""Domain-free helpers: clock, crypto, pagination, rate limits."""
