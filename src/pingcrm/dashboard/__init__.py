"""The dashboard: counts, today's suggestions, attention list, birthdays, activity."""
