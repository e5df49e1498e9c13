"""Platform accounts: connections to providers, credentials encrypted at rest."""
