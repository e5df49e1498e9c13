"""Notifications: what PingCRM tells the user (sync results, errors, new suggestions)."""
