"""Relationship scores 0-10 computed from interactions alone."""
