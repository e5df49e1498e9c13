"""The seeded demo dataset (``pingcrm demo``) that also feeds ``make bench``."""

DEFAULT_CONTACTS = 3000
"""How many contacts ``pingcrm demo`` creates unless told otherwise."""
