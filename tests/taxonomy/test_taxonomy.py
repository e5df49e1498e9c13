"""The tag taxonomy: categories, rename/merge/delete everywhere, discovery and Apply."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.models import User
from pingcrm.tags.service import tag_names_by_contact
from pingcrm.taxonomy import discovery
from pingcrm.taxonomy import service as taxonomy
from tests.fakes.llm import FakeLLMState, anthropic_app
from tests.fakes.server import serve_asgi
from tests.fixtures.builders import create_contact, create_user, login


def names(session: Session, *contact_ids: int) -> dict[int, list[str]]:
    return tag_names_by_contact(session, list(contact_ids))


def test_rename_merge_and_delete_update_every_contact(session: Session, client: TestClient) -> None:
    user = create_user(session)
    ada = create_contact(session, user, "Ada Lovelace", tags=["Fintech", "founder"])
    bob = create_contact(session, user, "Bob Smith", tags=["finance"])
    tags = {t.name: t.id for g in taxonomy.taxonomy(session, user.id) for t in g.tags}

    taxonomy.rename_tag(session, user.id, tags["Fintech"], "fintech")
    taxonomy.merge_tags(session, user.id, tags["finance"], tags["Fintech"])
    session.commit()
    assert names(session, ada.id, bob.id) == {ada.id: ["fintech", "founder"], bob.id: ["fintech"]}
    # The list search finds people by the new name only.
    login(client)
    hits = client.get("/api/v1/contacts?q=%23fintech", headers={"X-CSRF-Token": "unused"}).json()
    assert {c["full_name"] for c in hits["data"]} == {"Ada Lovelace", "Bob Smith"}

    taxonomy.delete_tag(session, user.id, tags["founder"])
    session.commit()
    assert names(session, ada.id) == {ada.id: ["fintech"]}


def test_categories_hold_tags_and_deleting_one_keeps_its_tags(session: Session) -> None:
    user = create_user(session)
    industry = taxonomy.add_category(session, user.id, "Industry")
    taxonomy.add_tag(session, user.id, "climate", industry.id)
    taxonomy.add_tag(session, user.id, "friend", None)
    groups = taxonomy.taxonomy(session, user.id)
    assert [(g.name, [t.name for t in g.tags]) for g in groups] == [
        ("Industry", ["climate"]),
        ("Uncategorised", ["friend"]),
    ]
    taxonomy.delete_category(session, user.id, industry.id)
    assert [(g.name, [t.name for t in g.tags]) for g in taxonomy.taxonomy(session, user.id)] == [
        ("Uncategorised", ["climate", "friend"])
    ]


def test_refusals_change_nothing(session: Session) -> None:
    user = create_user(session)
    other = create_user(session, email="eve@example.com")
    create_contact(session, user, "Ada", tags=["vip", "friend"])
    tags = {t.name: t.id for g in taxonomy.taxonomy(session, user.id) for t in g.tags}
    with pytest.raises(Conflict, match="exists already: merge the two instead"):
        taxonomy.rename_tag(session, user.id, tags["vip"], "FRIEND")
    with pytest.raises(ValidationFailed, match="two different tags"):
        taxonomy.merge_tags(session, user.id, tags["vip"], tags["vip"])
    with pytest.raises(NotFound):
        taxonomy.delete_tag(session, other.id, tags["vip"])
    with pytest.raises(ValidationFailed, match="Give the category a name"):
        taxonomy.add_category(session, user.id, "   ")
    assert {t.name for g in taxonomy.taxonomy(session, user.id) for t in g.tags} == {
        "vip",
        "friend",
    }


def people(session: Session, user: User) -> dict[str, int]:
    rows = {
        "Ada": {"title": "Co-founder & CEO", "company": "Ledgerly Payments"},
        "Bob": {"title": "Partner", "company": "Seedcamp Ventures"},
        "Cy": {"title": "Staff Engineer", "company": "Solar Grid Co"},
        "Di": {"title": "Gardener"},
    }
    return {name: create_contact(session, user, name, **fields).id for name, fields in rows.items()}


def test_rules_propose_a_taxonomy_and_apply_tags_everyone(session: Session) -> None:
    user = create_user(session)
    ids = people(session, user)
    from pingcrm.taxonomy.service import sample_contacts

    proposal = discovery.propose(sample_contacts(session, user.id, 100), None)
    assert proposal.source == "rules"
    assert {name: set(tags) for name, tags in proposal.categories.items()} == {
        "Role": {"founder", "investor", "engineer", "executive"},
        "Industry": {"fintech", "climate"},
    }
    taxonomy.save_proposal(session, user.id, proposal.categories)
    progress: list[tuple[int, int]] = []
    result = taxonomy.apply_taxonomy(
        session, user.id, lambda done, total: progress.append((done, total))
    )
    session.commit()
    assert progress[-1] == (4, 4)
    tagged = names(session, *ids.values())
    assert set(tagged[ids["Ada"]]) == {"founder", "executive", "fintech"}
    assert set(tagged[ids["Bob"]]) == {"investor"}
    assert set(tagged[ids["Cy"]]) == {"engineer", "climate"}
    assert tagged[ids["Di"]] == []
    assert result.contacts_seen == 4
    # Applying again adds nothing.
    assert taxonomy.apply_taxonomy(session, user.id).tags_added == 0


def test_a_model_proposes_and_a_bad_answer_falls_back_to_rules(session: Session) -> None:
    user = create_user(session)
    people(session, user)
    from pingcrm.taxonomy.service import sample_contacts

    sample = sample_contacts(session, user.id, 100)
    state = FakeLLMState()
    state.answer('{"categories": [{"name": "Sector", "tags": ["Payments", "energy"]}]}')
    state.answer("I think you should use tags.")
    from pingcrm.llm.backends import AnthropicClient

    with serve_asgi(anthropic_app(state)) as url:
        client = AnthropicClient(
            api_key="k",
            model="claude-haiku-4-5",
            base_url=url,
            timeout=5,
            max_retries=0,
            concurrency=1,
        )
        good = discovery.propose(sample, client)
        bad = discovery.propose(sample, client)
    assert good.source == "ai"
    assert good.categories == {"Sector": ["payments", "energy"]}
    assert "ledgerly payments" in state.requests[0]["messages"][0]["content"]
    assert bad.source == "rules"
    assert "could not be used" in bad.note


def test_the_editor_discovers_saves_and_applies(client: TestClient, session: Session) -> None:
    user = create_user(session)
    people(session, user)
    token = login(client)
    htmx = {"HX-Request": "true", "X-CSRF-Token": token}
    assert 'hx-get="/settings/tags"' in client.get("/settings/tag-taxonomy").text
    proposal = client.post("/settings/tags/discover", headers=htmx).text
    assert "Proposed taxonomy" in proposal
    assert 'name="category_0" value="Role"' in proposal
    saved = client.post(
        "/settings/tags/proposal",
        headers=htmx,
        data={"category_0": "Role", "tags_0": "founder, investor", "category_1": "", "tags_1": "x"},
    )
    assert "Saved 1 categories and 2 tags." in saved.text
    started = client.post("/settings/tags/apply", headers=htmx).text
    assert "Applying tags" in started
    assert 'hx-trigger="every 1s"' in started
    # The test app runs jobs inline right after the request commits.
    done = client.get("/settings/tags/apply/status?after=0", headers=htmx).text
    assert "Applied to 4 contacts: 2 tags added to 2 matching contacts." in done
    assert "every 1s" not in done
    bell = client.get("/notifications").text
    assert "Tags applied" in bell
    refused = client.post("/settings/tags/categories", headers=htmx, data={"name": " "})
    assert refused.status_code == 422
    assert "Give the category a name." in refused.text
