"""PingCRM: a self-hosted personal networking CRM."""

__version__ = "0.1.0"
