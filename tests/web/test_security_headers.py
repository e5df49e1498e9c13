"""Security headers, cookie flags, and templates that the Content-Security-Policy allows."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from pingcrm.app import create_app
from pingcrm.config import Settings
from tests.fixtures.builders import DEFAULT_PASSWORD, create_user, csrf_from

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "pingcrm" / "web" / "templates"


def _directives(csp: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.mark.parametrize("path", ["/login", "/setup", "/api/health", "/no-such-page"])
def test_every_response_carries_a_strict_content_security_policy(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    csp = _directives(response.headers["content-security-policy"])
    # Scripts only from our own origin: no inline scripts, no eval, no other hosts.
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


def _session_cookie(client: TestClient, email: str = "ada@example.com") -> str:
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"email": email, "password": DEFAULT_PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    cookies = [c for c in response.headers.get_list("set-cookie") if "pingcrm_session=" in c]
    assert cookies, "signing in set no session cookie"
    return cookies[-1]


def test_the_session_cookie_is_httponly_and_samesite_lax(
    client: TestClient, session: Session
) -> None:
    create_user(session)
    attributes = [a.strip().lower() for a in _session_cookie(client).split(";")]
    assert "httponly" in attributes
    assert "samesite=lax" in attributes
    # Served over plain http (a laptop): Secure would make the browser drop the cookie.
    assert "secure" not in attributes


def test_the_session_cookie_is_secure_behind_https(
    settings: Settings, engine: Engine, session: Session
) -> None:
    create_user(session)
    https_app: FastAPI = create_app(
        settings.model_copy(update={"base_url": "https://crm.example.com"}), engine=engine
    )
    with TestClient(https_app, base_url="https://crm.example.com") as client:
        attributes = [a.strip().lower() for a in _session_cookie(client).split(";")]
    assert {"httponly", "samesite=lax", "secure"} <= set(attributes)


class _TemplateScanner(HTMLParser):
    """Collects what a strict CSP would block in one template."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"line {line}: style= attribute on <{tag}>")
            elif name.startswith("on") and name.isalpha():
                self.problems.append(f"line {line}: inline event handler {name}= on <{tag}>")
            elif name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"line {line}: {name} (inline script) on <{tag}>")
            elif value and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"line {line}: javascript: URL in {name}= on <{tag}>")
        if tag == "script":
            self._in_script = True
            if not any(name == "src" for name, _ in attrs):
                self.problems.append(f"line {line}: <script> without src")
        if tag == "style":
            self.problems.append(f"line {line}: inline <style> element")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"line {self.getpos()[0]}: inline <script> body")


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_templates_exist_to_be_scanned() -> None:
    assert len(_templates()) >= 3, f"no templates found under {TEMPLATES}"


@pytest.mark.parametrize("template", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_needs_inline_script_or_style(template: Path) -> None:
    scanner = _TemplateScanner()
    scanner.feed(template.read_text(encoding="utf-8"))
    scanner.close()
    assert not scanner.problems, (
        f"{template.relative_to(TEMPLATES)} has markup the Content-Security-Policy blocks "
        "(move scripts to static/app.js and styles to static/app.css):\n"
        + "\n".join(scanner.problems)
    )


def test_the_scanner_catches_what_the_policy_blocks() -> None:
    scanner = _TemplateScanner()
    scanner.feed(
        '<div style="color:red" onclick="x()" hx-on:click="y()"><a href="javascript:z()">a</a>'
        "<script>alert(1)</script><script src=/static/app.js></script><style>p{}</style></div>"
    )
    assert len(scanner.problems) == 7, scanner.problems


def test_a_rendered_page_loads_scripts_only_from_files(client: TestClient) -> None:
    scanner = _TemplateScanner()
    scanner.feed(client.get("/setup").text)
    assert scanner.problems == []
