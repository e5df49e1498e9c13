"""``/api/v1/identity``: duplicate pairs, decisions, merges and their undo, scans."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from pingcrm.identity import service
from pingcrm.identity.schemas import (
    DecisionOut,
    IdentitySettingsIn,
    IdentitySettingsOut,
    MergeOut,
    MergeRequest,
    PairOut,
    ScanStartedOut,
)
from pingcrm.identity.tasks import scan_call
from pingcrm.kit.bounds import DbId
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep
from pingcrm.worker.runner import submit_after_commit

router = APIRouter(prefix="/api/v1/identity", tags=["identity"])


@router.get("/pairs", summary="The review queue")
def list_pairs(
    session: SessionDep,
    user: ApiUser,
    contact_id: DbId | None = Query(None, description="Only pairs with this contact"),
    limit: int = Query(20, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Envelope[list[PairOut]]:
    """Open pairs: pending best first, then skipped ones."""
    if contact_id is not None:
        views = service.duplicates_of(session, user.id, contact_id)
    else:
        views = service.review_queue(session, user.id, limit, offset)
    return one([PairOut.of(v) for v in views])


@router.get("/pairs/{match_id}", summary="One pair")
def get_pair(match_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[PairOut]:
    return one(PairOut.of(service.get_pair(session, user.id, match_id)))


def _decide(session: SessionDep, user_id: int, match_id: DbId, action: str) -> DecisionOut:
    decision = service.decide(session, user_id, match_id, action)
    merge = None
    if decision.record is not None:
        merge = MergeOut.of(service.get_merge(session, user_id, decision.record.id))
    return DecisionOut(action=action, message=decision.message, merge=merge)


@router.post("/pairs/{match_id}/merge", summary="Merge the pair")
def merge_pair(match_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[DecisionOut]:
    return one(_decide(session, user.id, match_id, "merge"))


@router.post("/pairs/{match_id}/reject", summary="Not the same person (never proposed again)")
def reject_pair(match_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[DecisionOut]:
    return one(_decide(session, user.id, match_id, "reject"))


@router.post("/pairs/{match_id}/skip", summary="Decide later")
def skip_pair(match_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[DecisionOut]:
    return one(_decide(session, user.id, match_id, "skip"))


@router.post("/merges", summary="Merge two contacts", status_code=201)
def merge_contacts(body: MergeRequest, session: SessionDep, user: ApiUser) -> Envelope[MergeOut]:
    """Merge two of your contacts (the richer one is kept); refused for a contact and
    itself, another user's contact or a contact already merged away. When their
    identifiers conflict (two LinkedIn profiles, two phones, …) the answer is 409 with
    the conflicts listed, until the request says ``confirm_conflicts: true``."""
    record = service.merge_contacts(
        session,
        user.id,
        body.contact_id,
        body.other_id,
        confirm_conflicts=body.confirm_conflicts,
    )
    return one(MergeOut.of(service.get_merge(session, user.id, record.id)))


@router.get("/merges", summary="Merge history")
def list_merges(
    session: SessionDep,
    user: ApiUser,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=1_000_000),
) -> Envelope[list[MergeOut]]:
    views = service.merge_history(session, user.id, limit=limit, offset=offset)
    return one([MergeOut.of(v) for v in views])


@router.get("/merges/{merge_id}", summary="One merge")
def get_merge(merge_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[MergeOut]:
    return one(MergeOut.of(service.get_merge(session, user.id, merge_id)))


@router.post("/merges/{merge_id}/undo", summary="Undo a merge")
def undo_merge(merge_id: DbId, session: SessionDep, user: ApiUser) -> Envelope[MergeOut]:
    """Both contacts back exactly as they were, every interaction with its owner."""
    service.undo_merge(session, user.id, merge_id)
    return one(MergeOut.of(service.get_merge(session, user.id, merge_id)))


@router.post("/scan", summary="Scan for duplicates now", status_code=202)
def scan(request: Request, session: SessionDep, user: ApiUser) -> Envelope[ScanStartedOut]:
    """Start a scan in the background (see ``/api/v1/jobs`` for its progress)."""
    submit_after_commit(session, request.app.state.runner, scan_call(user.id))
    return one(ScanStartedOut(queued=True, message="Scan started."))


@router.get("/settings", summary="Identity settings")
def get_settings(session: SessionDep, user: ApiUser) -> Envelope[IdentitySettingsOut]:
    return one(
        IdentitySettingsOut(auto_merge_probable=service.auto_merge_enabled(session, user.id))
    )


@router.put("/settings", summary="Opt in or out of auto-merging probable pairs")
def put_settings(
    body: IdentitySettingsIn, session: SessionDep, user: ApiUser
) -> Envelope[IdentitySettingsOut]:
    enabled = service.set_auto_merge(session, user.id, body.auto_merge_probable)
    return one(IdentitySettingsOut(auto_merge_probable=enabled))
