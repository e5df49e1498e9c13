"""The app's wiring, read top to bottom: which jobs exist and which providers sync what.

Nothing registers itself by being imported; adding a tasks module or a provider is one
line in :mod:`pingcrm.wiring.jobs` or :mod:`pingcrm.wiring.providers`.
"""
