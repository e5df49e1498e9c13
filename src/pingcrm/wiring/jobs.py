"""Every tasks module of the app, in one list; the job registry is built from it.

A tasks module declares its jobs with :func:`pingcrm.worker.registry.job` (each one a
:class:`~pingcrm.worker.registry.JobSpec` at module level). A new module is one line in
:data:`TASK_MODULES`.
"""

from __future__ import annotations

from functools import cache
from types import ModuleType

from pingcrm.google.calendar import tasks as google_calendar_tasks
from pingcrm.google.gmail import tasks as google_gmail_tasks
from pingcrm.google.meeting_prep import tasks as google_meeting_prep_tasks
from pingcrm.google.people import tasks as google_people_tasks
from pingcrm.identity import tasks as identity_tasks
from pingcrm.imports import tasks as imports_tasks
from pingcrm.maintenance import tasks as maintenance_tasks
from pingcrm.scoring import tasks as scoring_tasks
from pingcrm.suggestions import tasks as suggestions_tasks
from pingcrm.sync import tasks as sync_tasks
from pingcrm.taxonomy import tasks as taxonomy_tasks
from pingcrm.telegram import tasks as telegram_tasks
from pingcrm.twitter import tasks as twitter_tasks
from pingcrm.worker import tasks as worker_tasks
from pingcrm.worker.registry import JobSpec

TASK_MODULES: tuple[ModuleType, ...] = (
    worker_tasks,
    maintenance_tasks,
    sync_tasks,
    imports_tasks,
    identity_tasks,
    scoring_tasks,
    suggestions_tasks,
    taxonomy_tasks,
    google_gmail_tasks,
    google_people_tasks,
    google_calendar_tasks,
    google_meeting_prep_tasks,
    twitter_tasks,
    telegram_tasks,
)


def jobs_of(module: ModuleType) -> list[JobSpec]:
    """The jobs a tasks module declares (its module-level :class:`JobSpec` values)."""
    return [value for value in vars(module).values() if isinstance(value, JobSpec)]


@cache
def registry() -> dict[str, JobSpec]:
    """Every job by name. Two jobs with one name is a programming error."""
    jobs: dict[str, JobSpec] = {}
    for module in TASK_MODULES:
        for spec in jobs_of(module):
            if spec.name in jobs and jobs[spec.name] is not spec:
                raise ValueError(f"job {spec.name} is declared twice ({module.__name__})")
            jobs[spec.name] = spec
    return jobs
