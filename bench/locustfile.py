"""Locust users for the mixed API load (``bench/load.py`` runs this headless).

Each simulated client signs nothing in: it uses the bearer token in
``PINGCRM_LOAD_TOKEN`` and, like a person at work, mostly reads (the contact list, a
search, one contact, its timeline, notifications, suggestions) and sometimes writes
(creates a contact, edits it, adds a note, logs an interaction), with a short pause
between actions.
"""

from __future__ import annotations

import os
import random
import uuid

from locust import HttpUser, between, task

TOKEN = os.environ.get("PINGCRM_LOAD_TOKEN", "")
SEARCHES = ("ada", "lov", "smith", "eng", "ma")


class CrmClient(HttpUser):
    wait_time = between(0.2, 0.6)

    def on_start(self) -> None:
        self.client.headers["Authorization"] = f"Bearer {TOKEN}"
        self.contact_ids: list[int] = []
        self._create_contact()

    def _create_contact(self) -> None:
        marker = uuid.uuid4().hex[:10]
        with self.client.post(
            "/api/v1/contacts",
            json={"full_name": f"Load {marker}", "emails": [f"load-{marker}@example.com"]},
            name="POST /api/v1/contacts",
            catch_response=True,
        ) as response:
            if response.status_code == 201:
                self.contact_ids.append(int(response.json()["data"]["id"]))
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    def _some_contact(self) -> int | None:
        return random.choice(self.contact_ids) if self.contact_ids else None

    @task(6)
    def list_contacts(self) -> None:
        self.client.get("/api/v1/contacts?limit=50", name="GET /api/v1/contacts")

    @task(3)
    def search_contacts(self) -> None:
        query = random.choice(SEARCHES)
        self.client.get(f"/api/v1/contacts?q={query}", name="GET /api/v1/contacts?q=")

    @task(3)
    def read_contact(self) -> None:
        contact_id = self._some_contact()
        if contact_id is not None:
            self.client.get(f"/api/v1/contacts/{contact_id}", name="GET /api/v1/contacts/{id}")
            self.client.get(
                f"/api/v1/contacts/{contact_id}/interactions",
                name="GET /api/v1/contacts/{id}/interactions",
            )

    @task(2)
    def notifications_and_suggestions(self) -> None:
        self.client.get("/api/v1/notifications", name="GET /api/v1/notifications")
        self.client.get("/api/v1/suggestions", name="GET /api/v1/suggestions")

    @task(1)
    def create_contact(self) -> None:
        self._create_contact()

    @task(1)
    def edit_contact(self) -> None:
        contact_id = self._some_contact()
        if contact_id is not None:
            self.client.patch(
                f"/api/v1/contacts/{contact_id}",
                json={"title": random.choice(("Engineer", "Founder", "Designer"))},
                name="PATCH /api/v1/contacts/{id}",
            )

    @task(1)
    def add_note(self) -> None:
        contact_id = self._some_contact()
        if contact_id is not None:
            self.client.post(
                f"/api/v1/contacts/{contact_id}/notes",
                json={"body": "Met at the conference; follow up about the project."},
                name="POST /api/v1/contacts/{id}/notes",
            )

    @task(1)
    def log_interaction(self) -> None:
        contact_id = self._some_contact()
        if contact_id is not None:
            self.client.post(
                "/api/v1/interactions",
                json={"contact_id": contact_id, "kind": "call", "summary": "Quick catch-up"},
                name="POST /api/v1/interactions",
            )
