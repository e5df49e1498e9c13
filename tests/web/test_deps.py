"""`attempt`: a form's failed service call undoes only what it wrote, and the request's
transaction (committed or rolled back by `SessionDep`) keeps the rest, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from pingcrm.errors import PingError
from pingcrm.taxonomy import service as taxonomy
from pingcrm.web.deps import attempt
from tests.fixtures.builders import create_user


def _categories(session: Session, user_id: int) -> list[str]:
    session.expire_all()
    return [c.name for c in taxonomy.taxonomy(session, user_id)]


def test_a_failed_call_leaves_nothing_and_the_request_keeps_the_rest(session: Session) -> None:
    user = create_user(session)
    taxonomy.add_category(session, user.id, "Work")

    def add_two() -> None:
        taxonomy.add_category(session, user.id, "Family")
        taxonomy.add_category(session, user.id, "   ")  # no name: refused

    with pytest.raises(PingError):
        attempt(session, add_two)
    session.commit()
    assert _categories(session, user.id) == ["Work"]


def test_a_request_rolled_back_after_a_successful_call_keeps_nothing(session: Session) -> None:
    user = create_user(session)
    session.commit()
    attempt(session, lambda: taxonomy.add_category(session, user.id, "Family"))
    session.rollback()
    assert _categories(session, user.id) == []
