"""``/api/v1/settings/follow-up-rules``: read and change the follow-up rules."""

from __future__ import annotations

from fastapi import APIRouter

from pingcrm.settings import service
from pingcrm.settings.schemas import FollowUpRulesOut, FollowUpRulesPatch
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep

router = APIRouter(prefix="/api/v1/settings", tags=["settings"])


def _out(rules: service.FollowUpRules) -> FollowUpRulesOut:
    return FollowUpRulesOut(
        high_days=rules.high_days,
        medium_days=rules.medium_days,
        low_days=rules.low_days,
        daily_budget=rules.daily_budget,
    )


@router.get("/follow-up-rules", summary="Get the follow-up rules")
def get_follow_up_rules(session: SessionDep, user: ApiUser) -> Envelope[FollowUpRulesOut]:
    """Follow-up intervals per priority (days) and the daily suggestion budget."""
    return one(_out(service.get_follow_up_rules(session, user.id)))


@router.patch("/follow-up-rules", summary="Change the follow-up rules")
def patch_follow_up_rules(
    body: FollowUpRulesPatch, session: SessionDep, user: ApiUser
) -> Envelope[FollowUpRulesOut]:
    """Change any subset; intervals 7-365 days, budget 1-50. A bad value saves nothing and
    answers 422 with ``details.field`` naming it."""
    values: dict[str, object] = body.model_dump(exclude_none=True)
    return one(_out(service.update_follow_up_rules(session, user.id, values)))
