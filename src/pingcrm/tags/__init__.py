"""Tags: a per-user, case-insensitive vocabulary attached to contacts."""
