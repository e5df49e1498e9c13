"""``/help/{topic}``: the user documentation shipped in ``docs/``, rendered in the app."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from pingcrm.errors import NotFound
from pingcrm.web.deps import PageUser, SessionDep
from pingcrm.web.ui.responses import render

router = APIRouter(include_in_schema=False)

# Every user document in docs/ has a page: /help/<file name without .md>.
TOPIC_TITLES = {
    "google": "Setting up Google (Gmail, Contacts, Calendar)",
    "mcp": "Connecting AI clients (MCP)",
    "importing": "Importing contacts from a file",
    "telegram": "Setting up Telegram",
    "twitter": "Setting up Twitter / X",
    "linkedin": "The LinkedIn extension and its API",
    "linkedin-extension": "Installing the LinkedIn extension",
    "providers": "Adding a provider",
    "operations": "Running PingCRM",
    "architecture": "How PingCRM is built",
}
_TOPIC = re.compile(r"^[a-z0-9][a-z0-9_-]{0,60}$")
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def docs_dir() -> Path:
    """Bundled in the wheel, or the repository's ``docs/``."""
    bundled = Path(__file__).resolve().parents[2] / "_docs"
    return bundled if bundled.is_dir() else Path(__file__).resolve().parents[4] / "docs"


@router.get("/help/{topic}")
def help_page(request: Request, topic: str, session: SessionDep, user: PageUser) -> Response:
    """A documentation page (raw HTML in the Markdown is escaped, not rendered)."""
    path = docs_dir() / f"{topic}.md"
    if not _TOPIC.match(topic) or not path.is_file():
        raise NotFound("There is no help page with this name.")
    # Our own docs, rendered with raw HTML disabled: safe to mark as markup.
    body = Markup(_markdown.render(path.read_text(encoding="utf-8")))  # noqa: S704
    return render(
        request,
        "help/page.html",
        {"body": body, "topic": topic, "topics": help_topics()},
        session=session,
        user=user,
    )


def help_topics() -> list[tuple[str, str]]:
    """(topic, title) of every document in docs/, the known ones first."""
    names = sorted(p.stem for p in docs_dir().glob("*.md") if _TOPIC.match(p.stem))
    ordered = [n for n in TOPIC_TITLES if n in names] + [n for n in names if n not in TOPIC_TITLES]
    return [(n, TOPIC_TITLES.get(n, n.replace("-", " ").capitalize())) for n in ordered]


@router.get("/help")
def help_index(request: Request, session: SessionDep, user: PageUser) -> Response:
    """The list of help pages."""
    return render(
        request,
        "help/page.html",
        {"body": None, "topic": None, "topics": help_topics()},
        session=session,
        user=user,
    )
