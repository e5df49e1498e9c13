"""The column-mapping step (issue 18): a CSV whose columns are not all understood waits
for the user's mapping (each column → a field or ignore, with the first rows), imports
with it, and the mapping is remembered per header and per user."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from pingcrm.cli import app as cli_app
from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.errors import Conflict
from pingcrm.imports import service as imports
from pingcrm.imports.mapping import MappingInvalid
from pingcrm.imports.tasks import import_call
from pingcrm.models import Contact, ContactIdentifier, RunStatus, SyncRun, User
from pingcrm.worker.execute import execute
from tests.fixtures.builders import api_token, create_user, login

ODD = (
    "Kontakt;Adresse électronique;Handynummer;Arbeitgeber;Intern\n"
    "Ada Lovelace;ada@engines.io, ada.l@proton.me;+44 20 7946 0018;Analytical Engines;x1\n"
    "Charles Babbage;charles@engines.io;;Difference Ltd;x2\n"
)
# The same header, written differently (case, spaces), other rows.
ODD_AGAIN = (
    "KONTAKT ; adresse  électronique;handynummer;Arbeitgeber;intern\n"
    "Grace Hopper;grace@navy.example;+1 202 555 0143;US Navy;x3\n"
)
ODD_FIELDS = ["name", "email", "phone", "company", "ignore"]


def _upload(settings: Settings, body: str, name: str = "odd.csv") -> Path:
    return imports.save_upload(settings, io.BytesIO(body.encode("utf-8")), name)


def _create(
    factory: sessionmaker[Session],
    settings: Settings,
    user: User,
    body: str,
    **options: object,
) -> int:
    with transaction(factory) as tx:
        run = imports.create_import(
            tx, settings, user.id, _upload(settings, body), "odd.csv", **options
        )  # type: ignore[arg-type]
        return run.id


def _run(factory: sessionmaker[Session], settings: Settings, user: User, run_id: int) -> SyncRun:
    execute(
        import_call(user.id, run_id),
        settings=settings,
        engine=factory.kw["bind"],
        session_factory=factory,
    )
    with factory() as fresh:
        return imports.get_import(fresh, user.id, run_id)


def _status(factory: sessionmaker[Session], user: User, run_id: int) -> RunStatus:
    with factory() as fresh:
        return imports.get_import(fresh, user.id, run_id).status


def _contacts(session: Session, user_id: int) -> dict[str, set[str]]:
    session.expire_all()
    contacts = session.scalars(select(Contact).where(Contact.user_id == user_id)).all()
    found: dict[str, set[str]] = {}
    for contact in contacts:
        values = session.scalars(
            select(ContactIdentifier.value).where(ContactIdentifier.contact_id == contact.id)
        ).all()
        found[contact.full_name] = {*values, contact.company or ""}
    return found


def test_an_odd_file_waits_for_a_mapping_then_imports_with_it(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    run_id = _create(session_factory, settings, user, ODD, ask=True)
    assert _status(session_factory, user, run_id) is RunStatus.NEEDS_MAPPING
    # The job does nothing while the mapping is missing (a resume never imports it blind).
    assert _run(session_factory, settings, user, run_id).status is RunStatus.NEEDS_MAPPING
    assert _contacts(session, user.id) == {}

    with session_factory() as tx:
        proposal = imports.mapping_proposal(tx, settings, user.id, run_id)
    assert [c.header for c in proposal.columns] == [
        "Kontakt",
        "Adresse électronique",
        "Handynummer",
        "Arbeitgeber",
        "Intern",
    ]
    assert [c.field for c in proposal.columns] == ["ignore"] * 5
    assert proposal.source == "detected"
    assert proposal.rows[0][:2] == ["Ada Lovelace", "ada@engines.io, ada.l@proton.me"]
    assert len(proposal.rows) == 2

    with transaction(session_factory) as tx:
        assert imports.apply_mapping(tx, user.id, run_id, ODD_FIELDS).status is RunStatus.QUEUED
    run = _run(session_factory, settings, user, run_id)
    assert run.status is RunStatus.SUCCESS
    assert (run.new_contacts, run.errors) == (2, 0)
    contacts = _contacts(session, user.id)
    assert {"ada@engines.io", "ada.l@proton.me", "Analytical Engines"} <= contacts["Ada Lovelace"]
    assert any(v.replace(" ", "").endswith("2079460018") for v in contacts["Ada Lovelace"])
    assert not any("x1" in v for v in contacts["Ada Lovelace"])
    assert "charles@engines.io" in contacts["Charles Babbage"]
    # Once started, the mapping cannot change under the job.
    with session_factory() as tx, pytest.raises(Conflict):
        imports.apply_mapping(tx, user.id, run_id, ODD_FIELDS)


def test_the_mapping_is_remembered_for_the_same_header_only(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    first = _create(session_factory, settings, user, ODD, ask=True)
    with transaction(session_factory) as tx:
        imports.apply_mapping(tx, user.id, first, ODD_FIELDS)
    _run(session_factory, settings, user, first)

    again = _create(session_factory, settings, user, ODD_AGAIN, ask=True)
    run = _run(session_factory, settings, user, again)
    assert run.status is RunStatus.SUCCESS
    assert imports.summarize(run).mapping_source == "saved"
    assert {"grace@navy.example", "US Navy"} <= _contacts(session, user.id)["Grace Hopper"]

    # "Let me choose the columns" asks again, starting from the saved mapping.
    chosen = _create(session_factory, settings, user, ODD_AGAIN, ask=True, choose=True)
    assert _status(session_factory, user, chosen) is RunStatus.NEEDS_MAPPING
    with session_factory() as tx:
        proposal = imports.mapping_proposal(tx, settings, user.id, chosen)
    assert proposal.source == "saved"
    assert [c.field for c in proposal.columns] == ODD_FIELDS

    other_header = ODD.replace("Intern\n", "Intern;Geburtstag\n", 1)
    different = _create(session_factory, settings, user, other_header, ask=True)
    assert _status(session_factory, user, different) is RunStatus.NEEDS_MAPPING
    with session_factory() as tx:
        proposal = imports.mapping_proposal(tx, settings, user.id, different)
    assert proposal.source == "detected"
    assert proposal.columns[5].field == "birthday"  # recognised by its name


def test_one_users_saved_mapping_is_never_used_for_another(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    ada = create_user(session)
    bob = create_user(session, "bob@example.com")
    first = _create(session_factory, settings, ada, ODD, ask=True)
    with transaction(session_factory) as tx:
        imports.apply_mapping(tx, ada.id, first, ODD_FIELDS)

    bobs = _create(session_factory, settings, bob, ODD, ask=True)
    assert _status(session_factory, bob, bobs) is RunStatus.NEEDS_MAPPING
    with session_factory() as tx:
        proposal = imports.mapping_proposal(tx, settings, bob.id, bobs)
        assert proposal.source == "detected"
        assert [c.field for c in proposal.columns] == ["ignore"] * 5
    # Without asking (the CLI), Bob's file is refused rather than read with Ada's mapping.
    with session_factory() as tx, pytest.raises(Exception, match="not recognised"):
        imports.create_import(tx, settings, bob.id, _upload(settings, ODD), "odd.csv")
    # And Bob cannot see or map Ada's waiting import.
    waiting = _create(session_factory, settings, ada, ODD, ask=True, choose=True)
    with session_factory() as tx, pytest.raises(Exception, match="does not exist"):
        imports.mapping_proposal(tx, settings, bob.id, waiting)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (["name", "email", "phone", "name", "ignore"], "“Kontakt” and “Arbeitgeber” are both"),
        (["ignore", "ignore", "ignore", "company", "notes"], "Choose a column for the name"),
        (["name", "email"], "The mapping has 2 fields but the file has 5 columns"),
        (["name", "email", "phone", "shoe size", "ignore"], "“shoe size” is not a field"),
    ],
)
def test_a_bad_mapping_is_refused_with_a_clear_message_and_the_file_kept(
    session: Session,
    session_factory: sessionmaker[Session],
    settings: Settings,
    fields: list[str],
    message: str,
) -> None:
    user = create_user(session)
    run_id = _create(session_factory, settings, user, ODD, ask=True)
    with session_factory() as tx, pytest.raises(MappingInvalid) as raised:
        imports.apply_mapping(tx, user.id, run_id, fields)
    assert message in raised.value.message
    assert _status(session_factory, user, run_id) is RunStatus.NEEDS_MAPPING
    with session_factory() as tx:
        assert imports.mapping_proposal(tx, settings, user.id, run_id).rows  # file still there


def test_a_mapping_by_column_name_changes_only_those_columns(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    body = "Name,Email,Schuhgröße,Spitzname\nAda Lovelace,ada@engines.io,38,Countess\n"
    # Recognised (name + email) but not all understood: the web and API ask.
    waiting = _create(session_factory, settings, user, body, ask=True)
    assert _status(session_factory, user, waiting) is RunStatus.NEEDS_MAPPING
    with transaction(session_factory) as tx:
        imports.apply_mapping(tx, user.id, waiting, {"spitzname": "Notes", "#3": "ignore"})
    run = _run(session_factory, settings, user, waiting)
    assert run.status is RunStatus.SUCCESS
    with session_factory() as tx:
        header = ("name", "email", "Schuhgröße", "Spitzname")
        saved = imports.mappings.saved_fields(tx, user.id, header)
    assert saved == ["name", "email", "ignore", "notes"]
    # Without asking (the CLI), a recognised file imports the columns it understands.
    other = create_user(session, "bob@example.com")
    direct = _run(session_factory, settings, other, _create(session_factory, settings, other, body))
    assert direct.status is RunStatus.SUCCESS
    assert "ada@engines.io" in _contacts(session, other.id)["Ada Lovelace"]


def test_a_waiting_upload_can_be_cancelled_and_expires(
    session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    user = create_user(session)
    cancelled = _create(session_factory, settings, user, ODD, ask=True)
    with transaction(session_factory) as tx:
        run = imports.cancel_import(tx, settings, user.id, cancelled)
        assert imports.summarize(run).line() == "Cancelled before the import started."
    forgotten = _create(session_factory, settings, user, ODD, ask=True)
    with transaction(session_factory) as tx:
        assert imports.expire_waiting(tx, settings, timedelta(days=7)) == 0
        assert imports.expire_waiting(tx, settings, timedelta(seconds=-1)) == 1
    assert _status(session_factory, user, forgotten) is RunStatus.SKIPPED
    assert [p for p in (settings.data_dir / "uploads").iterdir() if p.suffix == ".csv"] == []


def test_the_web_mapping_step_shows_the_rows_and_imports(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    csrf = login(client)
    response = client.post(
        "/imports",
        data={"csrf_token": csrf},
        files={"file": ("odd.csv", ODD.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    mapping_url = response.headers["location"]
    page = client.get(mapping_url).text
    assert "Adresse électronique" in page
    assert "Ada Lovelace" in page
    assert "ada@engines.io, ada.l@proton.me" in page
    assert page.count('name="field"') == 5

    bad = client.post(
        mapping_url,
        data={"csrf_token": csrf, "field": ["name", "email", "phone", "name", "ignore"]},
    )
    assert bad.status_code == 422
    assert "are both mapped to Full name" in bad.text

    done = client.post(
        mapping_url, data={"csrf_token": csrf, "field": ODD_FIELDS}, follow_redirects=False
    )
    assert done.status_code == 303
    result = client.get(done.headers["location"]).text
    assert "2 rows read: 2 contacts created" in result
    assert "Ignored column: Intern." in result
    assert "Lovelace" in client.get("/contacts?q=Lovelace").text

    again = client.post(
        "/imports",
        data={"csrf_token": csrf},
        files={"file": ("again.csv", ODD_AGAIN.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert not again.headers["location"].endswith("/mapping")
    result = client.get(again.headers["location"]).text
    assert "1 rows read: 1 contacts created" in result
    assert "mapping you chose before" in result

    # Settings → CSV import lists the saved mapping; forgetting it asks again next time.
    settings_page = client.get("/settings/csv-import").text
    assert "<strong>Handynummer</strong> → Phone (one or a list)" in settings_page
    key = re.search(r'name="key" value="([0-9a-f]+)"', settings_page)
    assert key
    forgotten = client.post(
        "/imports/mappings/forget",
        data={"csrf_token": csrf, "key": key.group(1)},
        follow_redirects=False,
    )
    assert forgotten.status_code == 303
    assert "Saved column mappings" not in client.get("/settings/csv-import").text
    asked = client.post(
        "/imports",
        data={"csrf_token": csrf},
        files={"file": ("again.csv", ODD_AGAIN.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert asked.headers["location"].endswith("/mapping")
    unknown = client.post("/imports/mappings/forget", data={"csrf_token": csrf, "key": "nope"})
    assert unknown.status_code == 404


def test_the_api_proposes_a_mapping_and_imports_with_one(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    headers = api_token(client)
    created = client.post(
        "/api/v1/imports", files={"file": ("odd.csv", ODD.encode("utf-8"))}, headers=headers
    )
    assert created.status_code == 202, created.text
    data = created.json()["data"]
    assert data["status"] == "needs_mapping"
    proposal = client.get(data["mapping_url"], headers=headers).json()["data"]
    assert [c["header"] for c in proposal["columns"]][:2] == ["Kontakt", "Adresse électronique"]
    assert proposal["preview"][1][0] == "Charles Babbage"
    assert {"id": "company", "label": "Company", "single_valued": True} in proposal["fields"]

    bad = client.post(data["mapping_url"], json={"mapping": ["ignore"] * 5}, headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "import_mapping_invalid"
    assert "Choose a column for the name" in bad.json()["error"]["message"]

    started = client.post(
        data["mapping_url"],
        json={"mapping": {"Kontakt": "name", "Adresse électronique": "email"}},
        headers=headers,
    )
    assert started.status_code == 202, started.text
    done = client.get(f"/api/v1/imports/{data['id']}", headers=headers).json()["data"]
    assert (done["status"], done["created"], done["mapping_source"]) == ("success", 2, "chosen")
    assert client.get(data["mapping_url"], headers=headers).status_code == 409

    # The same header again imports at once with the saved mapping.
    again = client.post(
        "/api/v1/imports", files={"file": ("b.csv", ODD_AGAIN.encode("utf-8"))}, headers=headers
    ).json()["data"]
    done = client.get(f"/api/v1/imports/{again['id']}", headers=headers).json()["data"]
    assert (done["status"], done["created"], done["mapping_source"]) == ("success", 1, "saved")

    # An explicit mapping with the upload; a bad one is a 422 and nothing is kept.
    other = ODD.replace("Intern", "Extern")
    direct = client.post(
        "/api/v1/imports",
        files={"file": ("c.csv", other.encode("utf-8"))},
        data={"mapping": '["name", "email", "phone", "company", "ignore"]'},
        headers=headers,
    )
    assert direct.status_code == 202
    assert direct.json()["data"]["mapping_source"] == "chosen"
    refused = client.post(
        "/api/v1/imports",
        files={"file": ("d.csv", other.encode("utf-8"))},
        data={"mapping": '{"Kontakt": "name", "Arbeitgeber": "name"}'},
        headers=headers,
    )
    assert refused.status_code == 422
    assert "both mapped to Full name" in refused.json()["error"]["message"]
    assert client.get("/api/v1/imports", headers=headers).json()["meta"]["total"] == 3


def test_the_api_lists_and_forgets_saved_mappings(client: TestClient, session: Session) -> None:
    create_user(session)
    headers = api_token(client)
    assert client.get("/api/v1/imports/mappings", headers=headers).json()["data"] == []
    client.post(
        "/api/v1/imports",
        files={"file": ("odd.csv", ODD.encode("utf-8"))},
        data={"mapping": '["name", "email", "phone", "company", "ignore"]'},
        headers=headers,
    )
    saved = client.get("/api/v1/imports/mappings", headers=headers).json()["data"]
    assert len(saved) == 1
    assert saved[0]["columns"][:2] == [
        {"column": "Kontakt", "field": "name", "label": "Full name"},
        {"column": "Adresse électronique", "field": "email", "label": "Email (one or a list)"},
    ]

    forgotten = client.delete(f"/api/v1/imports/mappings/{saved[0]['key']}", headers=headers)
    assert forgotten.status_code == 200, forgotten.text
    assert client.get("/api/v1/imports/mappings", headers=headers).json()["data"] == []
    # The same header asks again; an unknown key is a 404.
    again = client.post(
        "/api/v1/imports", files={"file": ("b.csv", ODD_AGAIN.encode("utf-8"))}, headers=headers
    ).json()["data"]
    assert again["status"] == "needs_mapping"
    missing = client.delete(f"/api/v1/imports/mappings/{saved[0]['key']}", headers=headers)
    assert missing.status_code == 404


def test_the_cli_accepts_map_options(
    session: Session, settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pingcrm.config import get_settings

    for key, value in {
        "PINGCRM_DATABASE_URL": settings.resolved_database_url,
        "PINGCRM_DATA_DIR": str(settings.data_dir),
        "PINGCRM_SECRET_KEY": settings.secret_key,
        "PINGCRM_ENCRYPTION_KEYS": settings.encryption_keys,
        "PINGCRM_MCP_HMAC_SECRET": settings.mcp_hmac_secret,
    }.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    user = create_user(session)
    odd = tmp_path / "odd.csv"
    odd.write_text(ODD, encoding="utf-8")
    try:
        refused = CliRunner().invoke(cli_app, ["import", str(odd), "--user", "ada@example.com"])
        assert refused.exit_code == 1
        assert "--map COLUMN=FIELD" in refused.output
        mapped = CliRunner().invoke(
            cli_app,
            [
                "import", str(odd), "--user", "ada@example.com",
                "--map", "Kontakt=name", "--map", "Adresse électronique=email",
            ],
        )  # fmt: skip
        assert mapped.exit_code == 0, mapped.output
        assert "2 rows read: 2 contacts created" in mapped.output
        assert "Ignored columns: Handynummer, Arbeitgeber, Intern" in mapped.output
        again = CliRunner().invoke(cli_app, ["import", str(odd), "--user", "ada@example.com"])
        assert again.exit_code == 0, again.output
        assert "mapping saved for this header" in again.output
        bad = CliRunner().invoke(
            cli_app, ["import", str(odd), "--user", "ada@example.com", "--map", "Nope=name"]
        )
        assert bad.exit_code == 1
        assert "The file has no column “Nope”" in bad.output
    finally:
        get_settings.cache_clear()
    assert "ada.l@proton.me" in _contacts(session, user.id)["Ada Lovelace"]
