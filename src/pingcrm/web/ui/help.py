"""``/help/{topic}``: the user documentation shipped in ``docs/``, rendered in the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt
from markupsafe import Markup

from pingcrm.errors import NotFound
from pingcrm.web.deps import PageUser, SessionDep
from pingcrm.web.ui.responses import render

router = APIRouter(include_in_schema=False)

TOPICS = {"mcp": "mcp.md", "telegram": "telegram.md"}
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


def docs_dir() -> Path:
    """Bundled in the wheel, or the repository's ``docs/``."""
    bundled = Path(__file__).resolve().parents[2] / "_docs"
    return bundled if bundled.is_dir() else Path(__file__).resolve().parents[4] / "docs"


@router.get("/help/{topic}")
def help_page(request: Request, topic: str, session: SessionDep, user: PageUser) -> Response:
    """A documentation page (raw HTML in the Markdown is escaped, not rendered)."""
    name = TOPICS.get(topic)
    if name is None:
        raise NotFound("There is no help page with this name.")
    # Our own docs, rendered with raw HTML disabled: safe to mark as markup.
    body = Markup(_markdown.render((docs_dir() / name).read_text(encoding="utf-8")))  # noqa: S704
    return render(
        request, "help/page.html", {"body": body, "topic": topic}, session=session, user=user
    )
