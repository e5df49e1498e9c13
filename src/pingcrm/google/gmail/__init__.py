"""Gmail: email sync (full, incremental via history), BCC logging."""
