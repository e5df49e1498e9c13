"""The follow-up engine: who to reach out to each day, why, and a drafted message."""
