"""Drafts from a model (fake Anthropic/OpenAI servers) and the template fallback."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.llm import service as llm
from pingcrm.models import Direction, Priority, Suggestion
from pingcrm.suggestions import service
from pingcrm.suggestions.drafts import unsupported_facts
from tests.fakes.llm import FakeLLMState, anthropic_app, openai_app
from tests.fakes.server import serve_asgi
from tests.fixtures.builders import create_contact, create_interaction, create_user

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def fake() -> Iterator[tuple[FakeLLMState, str]]:
    state = FakeLLMState()
    with serve_asgi(anthropic_app(state)) as url:
        yield state, url


def overdue_grace(session: Session, settings: Settings, base_url: str | None) -> None:
    user = create_user(session)
    if base_url:
        llm.save_ai_settings(
            session,
            settings,
            user.id,
            provider="anthropic",
            model="",
            base_url=base_url,
            api_key="sk-ant-test",
        )
    with use_clock(FrozenClock(NOW)):
        grace = create_contact(
            session,
            user,
            "Grace Hopper",
            ["grace@navy.mil"],
            company="US Navy",
            title="Rear Admiral",
            priority=Priority.HIGH,
        )
        create_interaction(
            session,
            user,
            grace,
            direction=Direction.INBOUND,
            occurred_at=NOW - timedelta(days=45),
            subject="COBOL meetup",
            preview="COBOL meetup — slides attached",
        )


def generate_one(session: Session, settings: Settings) -> Suggestion:
    with use_clock(FrozenClock(NOW)):
        result = service.generate(session, settings, _only_user(session))
    session.commit()
    assert len(result.created) == 1
    return result.created[0]


def _only_user(session: Session) -> int:
    from sqlalchemy import select

    from pingcrm.models import User

    return session.execute(select(User.id)).scalar_one()


def test_a_good_model_answer_becomes_the_draft(
    session: Session, settings: Settings, fake: tuple[FakeLLMState, str]
) -> None:
    state, url = fake
    state.answer(
        '{"message": "Hi Grace, how did the COBOL meetup go? Would love to hear '
        'what the US Navy is up to."}'
    )
    overdue_grace(session, settings, url)
    suggestion = generate_one(session, settings)
    assert suggestion.message == (
        "Hi Grace, how did the COBOL meetup go? Would love to hear what the US Navy is up to."
    )
    assert suggestion.llm_model == "claude-haiku-4-5"
    assert suggestion.llm_prompt is not None
    assert "Person: Grace Hopper" in suggestion.llm_prompt
    assert "COBOL meetup — slides attached" in suggestion.llm_prompt
    sent = state.requests[0]
    assert "never invent" in sent["system"]


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            '{"message": "Hi Grace, congrats on joining Microsoft in 2025!"}',
            "named facts not in the context: Microsoft, 2025",
        ),
        ("Sure! Here is a message: Hi Grace.", "not the requested JSON"),
        ('{"message": ""}', "had no message"),
        ('{"message": "' + "Hi Grace. " * 80 + '"}', "too long"),
    ],
)
def test_a_bad_model_answer_falls_back_to_the_template(
    session: Session,
    settings: Settings,
    fake: tuple[FakeLLMState, str],
    answer: str,
    reason: str,
) -> None:
    state, url = fake
    state.answer(answer)
    overdue_grace(session, settings, url)
    suggestion = generate_one(session, settings)
    assert suggestion.llm_model == "template"
    assert suggestion.message.startswith("Hi Grace, it's been 45 days since we last talked")
    assert reason in suggestion.why["draft_fallback"]


def test_an_overloaded_model_falls_back_to_the_template(
    session: Session, settings: Settings, fake: tuple[FakeLLMState, str]
) -> None:
    state, url = fake
    for _ in range(settings.llm_max_retries + 1):
        state.fail(529)
    overdue_grace(session, settings, url)
    suggestion = generate_one(session, settings)
    assert suggestion.llm_model == "template"
    assert "OverloadedError" in suggestion.why["draft_fallback"]
    assert len(state.requests) == settings.llm_max_retries + 1


def test_an_openai_compatible_local_server_drafts_too(session: Session, settings: Settings) -> None:
    state = FakeLLMState()
    state.answer('```json\n{"message": "Hey Grace! How was the COBOL meetup?"}\n```')
    with serve_asgi(openai_app(state)) as url:
        user_id = create_user(session).id
        llm.save_ai_settings(
            session,
            settings,
            user_id,
            provider="openai",
            model="llama3.2",
            base_url=url + "/v1",
            api_key="",
        )
        with use_clock(FrozenClock(NOW)):
            from pingcrm.models import User

            user = session.get(User, user_id)
            assert user is not None
            grace = create_contact(
                session, user, "Grace Hopper", ["grace@navy.mil"], priority=Priority.HIGH
            )
            create_interaction(
                session,
                user,
                grace,
                occurred_at=NOW - timedelta(days=45),
                preview="COBOL meetup — slides attached",
            )
        suggestion = generate_one(session, settings)
    assert suggestion.message == "Hey Grace! How was the COBOL meetup?"
    assert suggestion.llm_model == "llama3.2"


def test_unsupported_facts_spots_names_and_numbers_only() -> None:
    context = "Person: Ada Lovelace\nCompany: Analytical Engines\nLast: met in London 1843"
    assert unsupported_facts("Hi Ada! How is London? Still at Analytical Engines?", context) == []
    assert unsupported_facts("Hi Ada, congrats on the Paris move in 1850.", context) == [
        "Paris",
        "1850",
    ]


def test_the_template_names_the_last_topic_without_reply_prefixes() -> None:
    from datetime import UTC, datetime

    from pingcrm.models import Contact, Interaction
    from pingcrm.suggestions.drafts import DraftContext, template_draft
    from pingcrm.suggestions.rules import Trigger

    contact = Contact(full_name="Bernard Barnett", company="Johnson and Sons")
    last = Interaction(
        subject="Re: RE: Fwd: product demo next steps",
        preview="x",
        direction="inbound",
        platform="email",
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    draft = template_draft(
        DraftContext(
            contact=contact, trigger=Trigger.TIME_BASED, facts={"days_silent": 210}, recent=[last]
        )
    )
    assert draft == (
        "Hi Bernard, it's been about 7 months since we last talked about "
        "“product demo next steps”. How are things going at Johnson and Sons? "
        "Would love to catch up."
    )
