"""Background jobs: one registry, two runners (embedded APScheduler, Celery), leases."""
