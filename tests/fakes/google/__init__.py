"""A fake Google speaking the documented wire formats (OAuth 2.0, Gmail API, batch).

``FakeGoogle`` (state.py) holds the accounts and mailboxes; ``build_app`` (app.py) serves
them; ``python -m tests.fakes.google`` runs it standalone with seeded data.
"""

from tests.fakes.google.app import build_app
from tests.fakes.google.state import FakeGoogle

__all__ = ["FakeGoogle", "build_app"]
