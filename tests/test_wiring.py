"""The app's wiring: every provider's sync jobs exist, and every kind has its job."""

from __future__ import annotations

from pingcrm.models import Provider, SyncKind
from pingcrm.wiring.jobs import registry
from pingcrm.wiring.providers import PROVIDERS, sync_job_name
from pingcrm.worker.registry import Fanout


def test_every_provider_kind_is_synced_by_a_listed_per_account_job() -> None:
    jobs = registry()
    for provider, wiring in PROVIDERS.items():
        assert wiring.sync.provider is provider
        for kind in wiring.sync.kinds:
            name = sync_job_name(provider, kind)
            assert name is not None, f"{provider} {kind} has no sync job"
            spec = jobs[name]  # listed in wiring.jobs too
            assert (spec.fanout, spec.provider, spec.kind) == (Fanout.ACCOUNT, provider, kind)


def test_gmail_kinds_find_their_jobs_and_unknown_ones_find_none() -> None:
    assert sync_job_name(Provider.GMAIL, SyncKind.EMAIL) == "google.email_sync"
    assert sync_job_name(Provider.GMAIL, SyncKind.CALENDAR) == "google.calendar_sync"
    assert sync_job_name(Provider.GMAIL, SyncKind.DMS) is None
    assert sync_job_name(Provider.CSV, SyncKind.EMAIL) is None


def test_the_registry_holds_the_scheduled_jobs_of_every_domain() -> None:
    names = set(registry())
    assert {
        "scores.recompute",
        "suggestions.generate",
        "identity.scan_requested",
        "meeting_prep.scan",
        "sync.resume_deferred",
        "db.analyze",
        "avatars.prune",
    } <= names
