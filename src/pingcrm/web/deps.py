"""Typed dependency aliases shared by pages and the API.

``SessionDep`` opens the request's transaction and commits it after the endpoint returns
(before the response is sent); ``PageUser`` and ``ApiUser`` resolve who is calling.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from ipaddress import ip_address
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from pingcrm.accounts.service import session_user
from pingcrm.accounts.tokens import read_access_token
from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.errors import AuthenticationRequired, PermissionDenied
from pingcrm.kit.bounds import MAX_DB_ID
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


def _is_trusted(address: str, settings: Settings) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.trusted_proxy_networks)


def client_address(request: Request) -> str:
    """The caller's address: the peer, or, when the peer is a trusted proxy
    (``PINGCRM_TRUSTED_PROXIES``), the last X-Forwarded-For hop that is not one."""
    settings: Settings = request.app.state.settings
    peer = request.client.host if request.client else "unknown"
    if not _is_trusted(peer, settings):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _is_trusted(hop, settings):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer
    return peer


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
    """The user of this browser's session while it is still open server-side (logout,
    "Sign out everywhere" and password changes end it)."""
    user_id = request.session.get("uid")
    session_id = request.session.get("sid")
    if not isinstance(user_id, int) or not isinstance(session_id, str):
        return None
    if not 1 <= user_id <= MAX_DB_ID:
        return None
    user = session_user(session, user_id, session_id)
    if user is None or request.session.get("ver") != user.token_version:
        request.session.pop("uid", None)
        request.session.pop("sid", None)
        return None
    return user


def current_session_id(request: Request) -> str | None:
    """The server-side id of this browser's session, if signed in."""
    value = request.session.get("sid")
    return value if isinstance(value, str) else None


def get_page_user(request: Request, session: SessionDep) -> User:
    """The signed-in user of a page request, or a redirect to ``/login``."""
    user = _session_user(request, session)
    if user is None:
        raise LoginRequired("Sign in to continue.")
    request.state.user = user
    return user


async def verify_api_csrf(request: Request) -> None:
    """CSRF for an API call made with the page session (a bearer token needs none).

    Async because it may read the form; it touches no database. Without a session user
    it lets :func:`get_api_user` answer 401 first."""
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    if not isinstance(request.session.get("uid"), int):
        return
    await verify_csrf(request)


def get_api_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _csrf: Annotated[None, Depends(verify_api_csrf)],
) -> User:
    """The caller of an API request: a Bearer access token, or the page session + CSRF.

    A plain ``def`` (run in the thread pool): it reads the database."""
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
    return user


async def read_form(request: Request) -> FormData:
    """The request's form, parsed on the event loop, for a plain ``def`` route (which
    then does its database work in the thread pool)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(read_form)]
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


def get_api_or_extension_user(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    _csrf: Annotated[None, Depends(verify_api_csrf)],
) -> User:
    """Either caller: an extension token (by its audience) or whatever ``ApiUser`` takes.
    A plain ``def``: both paths read the database."""
    token = _bearer(request)
    if token and audience_of(token) == EXTENSION_AUDIENCE:
        return get_extension_user(request, session, settings)
    return get_api_user(request, session, settings, None)


ExtensionUser = Annotated[User, Depends(get_extension_user)]
ApiOrExtensionUser = Annotated[User, Depends(get_api_or_extension_user)]
