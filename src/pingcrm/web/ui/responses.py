"""Rendering helpers: full pages, HTMX blocks, redirects and toasts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from jinja2_fragments.fastapi import Jinja2Blocks
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from pingcrm.kit.clock import utcnow
from pingcrm.models import User
from pingcrm.notifications import service as notifications
from pingcrm.web.deps import csrf_token

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Blocks(directory=str(TEMPLATES_DIR))


def _relative_time(value: datetime | None) -> str:
    """'3 days ago', 'in 2 hours', or '' for None."""
    if value is None:
        return ""
    seconds = (utcnow() - value).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    for unit, size in (
        ("year", 31_536_000),
        ("month", 2_592_000),
        ("week", 604_800),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = int(seconds // size)
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if future else f"{text} ago"
    return "just now"


def _datetime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else value.strftime(fmt) + (" UTC" if "%H" in fmt else "")


def _nl2br(value: str) -> Markup:
    return Markup("<br>").join(escape(value).split("\n"))


templates.env.filters["ago"] = _relative_time
templates.env.filters["dt"] = _datetime
templates.env.filters["nl2br"] = _nl2br
templates.env.globals["csrf_token"] = csrf_token


def is_htmx(request: Request) -> bool:
    """True for requests made by HTMX (not history restores or boosted navigation)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    session: Session | None = None,
    user: User | None = None,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render ``template``; only ``block`` when the request comes from HTMX."""
    ctx: dict[str, Any] = {"request": request, "user": user, "unread": 0}
    if user is not None and session is not None:
        ctx["unread"] = notifications.unread_count(session, user.id)
    ctx.update(context or {})
    if block is not None and is_htmx(request):
        return templates.TemplateResponse(
            request, template, ctx, block_name=block, status_code=status_code, headers=headers
        )
    return templates.TemplateResponse(
        request, template, ctx, status_code=status_code, headers=headers
    )


def safe_local_path(raw: str | None, default: str) -> str:
    """``raw`` when it is a path on this site, else ``default`` (never another site).

    Refuses ``//host``, ``/\\host`` (browsers read a backslash as a slash), schemes,
    control characters and anything a browser could resolve off-site."""
    if not raw or not raw.startswith("/") or len(raw) > 2000:
        return default
    if "\\" in raw or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in raw):
        return default
    if raw.startswith("//"):
        return default
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return default
    return raw


def redirect(request: Request, url: str, *, toast: str | None = None) -> Response:
    """Navigate to ``url``: ``HX-Redirect`` for HTMX, 303 otherwise."""
    if toast:
        flash(request, toast)
    if is_htmx(request):
        if _same_document(request, url):
            # location.href = "<this page>#x" would only scroll: reload to show the change.
            return Response(status_code=204, headers={"HX-Refresh": "true"})
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _same_document(request: Request, url: str) -> bool:
    """True when ``url`` is the HTMX request's current page plus a ``#fragment``."""
    if "#" not in url:
        return False
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    target = urlsplit(url)
    return (target.path, target.query) == (current.path, current.query)


def flash(request: Request, message: str, kind: str = "success") -> None:
    """Queue a toast shown on the next full page render."""
    request.session.setdefault("flashes", []).append({"kind": kind, "message": message})


def pop_flashes(request: Request) -> list[dict[str, str]]:
    """Take the queued toasts (the base template calls this once)."""
    flashes: list[dict[str, str]] = request.session.pop("flashes", [])
    return flashes


templates.env.globals["pop_flashes"] = pop_flashes


def toast(
    request: Request, message: str, *, kind: str = "success", status_code: int = 200
) -> Response:
    """A toast appended to the page's toast area (out-of-band for HTMX)."""
    return templates.TemplateResponse(
        request,
        "_toast.html",
        {"request": request, "message": message, "kind": kind},
        status_code=status_code,
        headers={"HX-Retarget": "#toasts", "HX-Reswap": "beforeend"},
    )


# The top navigation bar: (path, label). A domain that adds a page adds its entry here.
NAV_ITEMS: list[tuple[str, str]] = [
    ("/dashboard", "Dashboard"),
    ("/contacts", "Contacts"),
    ("/suggestions", "Suggestions"),
    ("/organizations", "Organizations"),
    ("/identity", "Duplicates"),
    ("/notifications", "Notifications"),
    ("/settings", "Settings"),
]
templates.env.globals["nav_items"] = NAV_ITEMS
