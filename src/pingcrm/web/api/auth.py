"""``POST /api/v1/auth/token``: exchange email + password for a short-lived JWT."""

from __future__ import annotations

from fastapi import APIRouter, Request

from pingcrm.accounts import service
from pingcrm.accounts.schemas import TokenOut, TokenRequest, UserOut
from pingcrm.accounts.tokens import issue_access_token
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep, SettingsDep, client_address

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post("/token", summary="Get an access token")
def create_token(
    body: TokenRequest, request: Request, session: SessionDep, settings: SettingsDep
) -> Envelope[TokenOut]:
    """Check the credentials (rate limited) and return a bearer token."""
    address = client_address(request)
    user = service.authenticate(session, settings, body.email, body.password, address)
    token, lifetime = issue_access_token(
        settings.secret_key, user.id, user.token_version, settings.access_token_minutes
    )
    return one(TokenOut(access_token=token, expires_in=lifetime))


@router.get("/me", summary="Who am I")
def me(user: ApiUser) -> Envelope[UserOut]:
    """The account the token belongs to."""
    return one(UserOut.model_validate(user))
