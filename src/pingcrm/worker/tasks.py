"""The worker's own job: a no-op that proves a runner picks jobs up (and how fast)."""

from __future__ import annotations

from pingcrm.worker.context import JobContext
from pingcrm.worker.registry import job


@job("worker.ping", lease_seconds=60, description="Check that background jobs run")
def ping(ctx: JobContext) -> None:
    """Do nothing: the job run row it leaves says when a runner started it."""
    return None
