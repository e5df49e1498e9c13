"""The seeded demo dataset (``pingcrm demo``) that also feeds ``make bench``."""
