"""JSON API v1: ``{"data": …, "meta": …}`` envelopes, errors as ``{"error": …}``."""
