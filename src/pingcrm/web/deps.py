"""Typed dependency aliases shared by pages and the API.

``SessionDep`` opens the request's transaction and commits it after the endpoint returns
(before the response is sent); ``PageUser`` and ``ApiUser`` resolve who is calling.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from pingcrm.accounts.tokens import read_access_token
from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.errors import AuthenticationRequired, PermissionDenied
from pingcrm.linkedin import pairing
from pingcrm.linkedin.tokens import EXTENSION_AUDIENCE, audience_of
from pingcrm.models import User

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

T = TypeVar("T")


class LoginRequired(AuthenticationRequired):
    """A page needs a signed-in user; the handler redirects to ``/login``."""


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed on success, rolled back on error."""
    with transaction(request.app.state.session_factory) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


async def verify_csrf(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong."""
    if request.method not in UNSAFE_METHODS:
        return
    expected = request.session.get("csrf")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not secrets.compare_digest(str(expected), sent):
        raise PermissionDenied(
            "This form has expired. Reload the page and try again.", code="csrf_failed"
        )


def _session_user(request: Request, session: Session) -> User | None:
    user_id = request.session.get("uid")
    if not isinstance(user_id, int):
        return None
    user = session.get(User, user_id)
    if user is None or request.session.get("ver") != user.token_version:
        request.session.pop("uid", None)
        return None
    return user


def get_page_user(request: Request, session: SessionDep) -> User:
    """The signed-in user of a page request, or a redirect to ``/login``."""
    user = _session_user(request, session)
    if user is None:
        raise LoginRequired("Sign in to continue.")
    request.state.user = user
    return user


async def get_api_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    """The caller of an API request: a Bearer access token, or the page session + CSRF."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        user_id, version = read_access_token(settings.secret_key, authorization[7:].strip())
        user = session.get(User, user_id)
        if user is None or user.token_version != version:
            raise AuthenticationRequired("The access token is no longer valid.")
        return user
    user = _session_user(request, session)
    if user is None:
        raise AuthenticationRequired(
            "Authenticate with 'Authorization: Bearer <token>' from POST /api/v1/auth/token."
        )
    await verify_csrf(request)
    return user


PageUser = Annotated[User, Depends(get_page_user)]
ApiUser = Annotated[User, Depends(get_api_user)]


def attempt(session: Session, run: Callable[[], T]) -> T:
    """Run a use case whose :class:`PingError` a route shows in its form: the error undoes
    only what the call wrote (a savepoint) and the request's transaction goes on, so the
    route never commits or rolls back itself."""
    connection = session.connection()
    dbapi = connection.connection.dbapi_connection
    if connection.dialect.name == "sqlite" and not getattr(dbapi, "in_transaction", True):
        # pysqlite opens its transaction only before the first write: a SAVEPOINT before
        # that would start one its RELEASE commits. Take the write lock now instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    with session.begin_nested():
        return run()


# --- LinkedIn extension (docs/linkedin.md) -------------------------------------------------


def _bearer(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


def get_extension_user(request: Request, session: SessionDep, settings: SettingsDep) -> User:
    """The caller of an extension endpoint: a live extension token (``aud``
    ``pingcrm-extension``) only; API access tokens and page sessions are refused."""
    token = _bearer(request)
    if not token:
        raise AuthenticationRequired(
            "Send the extension token: 'Authorization: Bearer <token>' (pair the extension)."
        )
    user, row = pairing.authenticate(session, settings, token)
    request.state.user = user
    request.state.extension_token = row
    return user


async def get_api_or_extension_user(
    request: Request, session: SessionDep, settings: SettingsDep
) -> User:
    """Either caller: an extension token (by its audience) or whatever ``ApiUser`` takes."""
    token = _bearer(request)
    if token and audience_of(token) == EXTENSION_AUDIENCE:
        return await run_in_threadpool(get_extension_user, request, session, settings)
    return await get_api_user(request, session, settings)


ExtensionUser = Annotated[User, Depends(get_extension_user)]
ApiOrExtensionUser = Annotated[User, Depends(get_api_or_extension_user)]
