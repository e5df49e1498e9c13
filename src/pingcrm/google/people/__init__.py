"""Google Contacts sync: a one-way, read-only import from the People API."""
