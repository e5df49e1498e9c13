"""Worker test fixtures."""

from tests.fixtures.jobs import registry

__all__ = ["registry"]
