"""Contacts: people, their identifiers, the list and the contact page."""
