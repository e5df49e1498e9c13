"""Organizations: companies grouping contacts."""
