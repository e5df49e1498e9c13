"""Contacts → Import, the Settings drop zone and the imports API, as a user and a client
see them."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pingcrm.app import create_app
from pingcrm.config import Settings
from pingcrm.models import Contact
from tests.fixtures.builders import api_token, create_user, login

FILES = Path(__file__).resolve().parents[1] / "fixtures" / "files"


def _upload(client: TestClient, csrf: str, name: str, *, htmx: bool = False) -> object:
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf} if htmx else {}
    data = {} if htmx else {"csrf_token": csrf}
    return client.post(
        "/imports",
        data=data,
        files={"file": (name, (FILES / name).read_bytes(), "text/csv")},
        headers=headers,
        follow_redirects=False,
    )


def test_upload_runs_the_import_and_shows_the_summary(client: TestClient, session: Session) -> None:
    create_user(session)
    csrf = login(client)
    page = client.get("/imports")
    assert "Drag a file here" in page.text
    assert "LinkedIn Connections.csv" in page.text

    response = _upload(client, csrf, "linkedin_connections.csv")
    assert response.status_code == 303
    location = response.headers["location"]

    result = client.get(location)
    assert "4 rows read: 4 contacts created, 0 updated, 0 unchanged, 0 rejected." in result.text
    assert "LinkedIn connections (CSV)" in result.text
    assert "4 LinkedIn connection dates added to timelines." in result.text
    assert "every 1s" not in result.text  # finished: no more polling
    assert session.execute(select(func.count()).select_from(Contact)).scalar() == 4
    listing = client.get("/imports")
    assert "linkedin_connections.csv" in listing.text


def test_htmx_upload_returns_the_drop_zone_with_the_progress(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    csrf = login(client)
    response = _upload(client, csrf, "contacts_v3.vcf", htmx=True)
    assert response.status_code == 202
    assert 'id="import-box"' in response.text
    assert "<html" not in response.text
    # Rendered as queued; the fragment polls its status until the job is done.
    assert "Importing…" in response.text
    poll = re.search(r'hx-get="(/imports/\d+/status)" hx-trigger="every 1s"', response.text)
    assert poll is not None
    status = client.get(poll.group(1), headers={"HX-Request": "true"})
    assert "2 rows read: 2 contacts created" in status.text
    assert "every 1s" not in status.text


def test_rejected_rows_are_downloadable(client: TestClient, session: Session) -> None:
    create_user(session)
    csrf = login(client)
    location = _upload(client, csrf, "broken_ragged.csv").headers["location"]
    page = client.get(location)
    assert "Download the 2 rejected rows (CSV)" in page.text

    download = client.get(f"{location}/rejected.csv")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    lines = download.text.splitlines()
    assert lines[0] == "Row,Reason,Name,Email,Phone,,"
    assert lines[1].startswith("4,has 7 fields but the header has 3,Too Many,")


def test_unknown_columns_lead_to_the_mapping_step_and_junk_is_refused(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    csrf = login(client)
    response = _upload(client, csrf, "broken_unknown.csv")
    assert response.status_code == 303
    assert re.fullmatch(r"/imports/[0-9]+/mapping", response.headers["location"])
    page = client.get(response.headers["location"]).text
    assert "Choose the columns" in page
    assert "not recognised" in page
    htmx = _upload(client, csrf, "broken_binary.csv", htmx=True)
    assert htmx.status_code == 422
    assert "This is a binary file" in htmx.text
    assert "Accepted formats: LinkedIn Connections.csv, Google Contacts CSV" in htmx.text
    assert session.execute(select(func.count()).select_from(Contact)).scalar() == 0


def test_an_oversized_upload_is_refused_with_413(
    settings: Settings, engine: object, session: Session
) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 2048})
    app = create_app(small, engine=engine)  # type: ignore[arg-type]
    create_user(session)
    with TestClient(app) as client:
        csrf = login(client)
        body = b"Name,Email\n" + b"Someone,someone@example.com\n" * 200
        response = client.post(
            "/imports",
            data={"csrf_token": csrf},
            files={"file": ("big.csv", body, "text/csv")},
        )
    assert response.status_code == 413
    assert "larger than the limit of 2,048 bytes" in response.json()["error"]["message"]
    assert not (small.data_dir / "uploads").exists() or not any(
        (small.data_dir / "uploads").iterdir()
    )


def test_another_users_import_is_not_found(client: TestClient, session: Session) -> None:
    create_user(session, "ada@example.com")
    create_user(session, "bob@example.com")
    csrf = login(client, "ada@example.com")
    location = _upload(client, csrf, "broken_ragged.csv").headers["location"]
    client.cookies.clear()
    login(client, "bob@example.com")
    assert client.get(location).status_code == 404
    assert client.get(f"{location}/rejected.csv").status_code == 404
    assert client.get(f"{location}/status").status_code == 404


def test_the_settings_page_has_the_drop_zone_and_the_jobs_panel(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    login(client)
    page = client.get("/settings/csv-import")
    assert page.status_code == 200
    assert "data-dropzone" in page.text
    assert 'hx-get="/settings/background-jobs"' in client.get("/settings/jobs").text
    panel = client.get("/settings/background-jobs")
    assert "Import a CSV or vCard file" in panel.text
    assert "imports.run" in panel.text
    assert "The scheduler has not run yet" in panel.text


def test_the_api_imports_a_file_and_reports_its_counts(
    client: TestClient, session: Session
) -> None:
    create_user(session, "ada@example.com")
    create_user(session, "bob@example.com")
    headers = api_token(client, "ada@example.com")
    created = client.post(
        "/api/v1/imports",
        files={"file": ("Connections.csv", (FILES / "broken_ragged.csv").read_bytes())},
        headers=headers,
    )
    assert created.status_code == 202, created.text
    import_id = created.json()["data"]["id"]

    fetched = client.get(f"/api/v1/imports/{import_id}", headers=headers).json()["data"]
    assert fetched["status"] == "partial"
    assert (fetched["created"], fetched["rejected"]) == (3, 2)
    assert fetched["rejected_rows_url"] == f"/api/v1/imports/{import_id}/rejected"
    rejected = client.get(fetched["rejected_rows_url"], headers=headers)
    assert "no name and no valid email or phone" in rejected.text
    listing = client.get("/api/v1/imports", headers=headers).json()
    assert listing["meta"]["total"] == 1

    refused = client.post(
        "/api/v1/imports",
        files={"file": ("x.csv", (FILES / "broken_binary.csv").read_bytes())},
        headers=headers,
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["details"] == {"field": "file"}

    other = api_token(client, "bob@example.com")
    assert client.get(f"/api/v1/imports/{import_id}", headers=other).status_code == 404
    runs = client.get("/api/v1/sync-runs?provider=csv", headers=headers).json()
    assert [r["id"] for r in runs["data"]] == [import_id]
    assert client.get(f"/api/v1/sync-runs/{import_id}", headers=other).status_code == 404
