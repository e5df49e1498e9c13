"""Every provider PingCRM syncs with, the class that syncs it and the job of each kind.

"Sync now", ``pingcrm sync`` and the Settings cards find a provider's jobs here. A new
provider is one package (see docs/providers.md) and one entry in :data:`PROVIDERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pingcrm.google.calendar import tasks as google_calendar_tasks
from pingcrm.google.gmail import tasks as google_gmail_tasks
from pingcrm.google.people import tasks as google_people_tasks
from pingcrm.google.provider import GoogleProvider
from pingcrm.linkedin.provider import LinkedinProvider
from pingcrm.models import Provider, SyncKind
from pingcrm.sync.provider import SyncProvider
from pingcrm.telegram import tasks as telegram_tasks
from pingcrm.telegram.sync import TelegramSync
from pingcrm.twitter import tasks as twitter_tasks
from pingcrm.twitter.provider import TwitterProvider
from pingcrm.worker.registry import Fanout, JobSpec


@dataclass(frozen=True)
class ProviderWiring:
    """One provider: its sync class and its per-account sync jobs (one per kind)."""

    sync: type[SyncProvider]
    jobs: tuple[JobSpec, ...]

    def __post_init__(self) -> None:
        for spec in self.jobs:
            if spec.kind is None or spec.fanout is not Fanout.ACCOUNT:
                raise ValueError(f"{spec.name} is not a per-account sync job with a kind")
            if spec.kind not in self.sync.kinds:
                raise ValueError(f"{spec.name} syncs {spec.kind}, which the provider lacks")

    def job_for(self, kind: SyncKind) -> JobSpec | None:
        """The job that syncs ``kind``, or None."""
        return next((spec for spec in self.jobs if spec.kind is kind), None)


PROVIDERS: dict[Provider, ProviderWiring] = {
    Provider.GMAIL: ProviderWiring(
        sync=GoogleProvider,
        jobs=(
            google_gmail_tasks.email_sync,
            google_people_tasks.contacts_sync,
            google_calendar_tasks.calendar_sync,
        ),
    ),
    Provider.TWITTER: ProviderWiring(
        sync=TwitterProvider,
        jobs=(twitter_tasks.dms_sync, twitter_tasks.mentions_sync),
    ),
    # Push-based: the browser extension pushes (POST /api/v1/linkedin/push); no jobs.
    Provider.LINKEDIN: ProviderWiring(sync=LinkedinProvider, jobs=()),
    Provider.TELEGRAM: ProviderWiring(sync=TelegramSync, jobs=(telegram_tasks.chats_sync,)),
}


def sync_job_name(provider: Provider, kind: SyncKind) -> str | None:
    """The name of the job that syncs ``kind`` of ``provider`` accounts, or None."""
    wiring = PROVIDERS.get(provider)
    spec = wiring.job_for(kind) if wiring else None
    return spec.name if spec else None
