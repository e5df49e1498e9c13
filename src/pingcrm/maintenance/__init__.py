"""Housekeeping of the database."""
