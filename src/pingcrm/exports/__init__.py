"""Whole-account export (JSON, vCard 4.0) and restore of a JSON export."""
