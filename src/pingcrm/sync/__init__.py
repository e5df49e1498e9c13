"""Syncing with providers: runs, checkpoints, history and connection badges."""
