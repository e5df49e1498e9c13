"""``/api/v1/account``: who am I, change password or email, delete the account."""

from __future__ import annotations

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


@router.delete("", summary="Delete the account and all its data")
def delete_account(
    body: AccountDeletion, request: Request, session: SessionDep, user: ApiUser
) -> Envelope[Deleted]:
    """Delete every row the account owns. ``confirm_email`` must repeat the account email."""
    accounts.delete_account(session, user, body.password, body.confirm_email)
    if request.session.get("uid") == user.id:
        request.session.clear()
    return one(Deleted(deleted=True))
