"""``/api/v1/account``: who am I, change password or email, signed-in browsers and
"sign out everywhere", delete the account."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from pingcrm.accounts import service as accounts
from pingcrm.accounts.passwords import MAX_PASSWORD_LENGTH
from pingcrm.accounts.schemas import TokenOut, UserOut
from pingcrm.accounts.tokens import issue_access_token
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, SessionDep, SettingsDep, current_session_id

router = APIRouter(prefix="/api/v1/account", tags=["account"])


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    new_password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class EmailChange(BaseModel):
    new_email: str = Field(max_length=320)
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class AccountDeletion(BaseModel):
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)
    confirm_email: str = Field(max_length=320)


class Deleted(BaseModel):
    deleted: bool


class SignOutEverywhere(BaseModel):
    password: str = Field(max_length=MAX_PASSWORD_LENGTH)


class SessionOut(BaseModel):
    created_at: datetime = Field(description="When this browser signed in")
    current: bool = Field(description="True for the browser session making this call")


class SessionsEnded(BaseModel):
    ended_sessions: int = Field(description="How many signed-in browsers were signed out")
    tokens_revoked: bool = Field(
        description="Every access token of the account (this call's too) stopped working"
    )


@router.get("", summary="The account")
def get_account(user: ApiUser) -> Envelope[UserOut]:
    """The caller's account."""
    return one(UserOut.model_validate(user))


@router.post("/password", summary="Change the password")
def change_password(
    body: PasswordChange,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ApiUser,
) -> Envelope[TokenOut]:
    """Change the password. Every session and token issued before stops working; the
    answer carries a fresh access token (and a browser session stays signed in)."""
    accounts.change_password(
        session, user, body.current_password, body.new_password, current_session_id(request)
    )
    if request.session.get("uid") == user.id:
        request.session["ver"] = user.token_version
    token, lifetime = issue_access_token(
        settings.secret_key, user.id, user.token_version, settings.access_token_minutes
    )
    return one(TokenOut(access_token=token, expires_in=lifetime))


@router.post("/email", summary="Change the sign-in email")
def change_email(
    body: EmailChange, request: Request, session: SessionDep, user: ApiUser
) -> Envelope[UserOut]:
    """Change the email after checking the password; other browser sessions end."""
    accounts.change_email(session, user, body.new_email, body.password, current_session_id(request))
    return one(UserOut.model_validate(user))


@router.get("/sessions", summary="The signed-in browsers")
def list_sessions(
    request: Request, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[list[SessionOut]]:
    """The browsers signed in to the account (web sessions not yet ended or expired),
    newest first; ``current`` marks the session making this call, if it is one."""
    browsers = accounts.signed_in_browsers(
        session, user, settings.session_days, current_session_id(request)
    )
    return one([SessionOut(created_at=b.created_at, current=b.current) for b in browsers])


@router.post("/sessions/end", summary="Sign out everywhere")
def end_sessions(
    body: SignOutEverywhere, request: Request, session: SessionDep, user: ApiUser
) -> Envelope[SessionsEnded]:
    """ "Sign out everywhere" after checking the password: every signed-in browser and
    every access token of the account stops working at once, the one making this call
    included (get a new token from ``POST /api/v1/auth/token``)."""
    ended = accounts.sign_out_everywhere(session, user, body.password)
    if request.session.get("uid") == user.id:
        request.session.clear()
    return one(SessionsEnded(ended_sessions=ended, tokens_revoked=True))


@router.delete("", summary="Delete the account and all its data")
def delete_account(
    body: AccountDeletion, request: Request, session: SessionDep, user: ApiUser
) -> Envelope[Deleted]:
    """Delete every row the account owns. ``confirm_email`` must repeat the account email."""
    accounts.delete_account(session, user, body.password, body.confirm_email)
    if request.session.get("uid") == user.id:
        request.session.clear()
    return one(Deleted(deleted=True))
