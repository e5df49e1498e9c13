"""Per-user settings: follow-up rules (intervals per priority, daily suggestion budget)."""
