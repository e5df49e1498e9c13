"""Google's OAuth 2.0 endpoints: the consent page, the token endpoint (authorization_code
with PKCE S256, refresh_token) and revocation, with Google's error bodies."""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.google.state import FakeGoogle


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _token_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def routes(state: FakeGoogle) -> list[Route]:
    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        with state.lock:
            state.authorize_requests.append(params)
        if params.get("client_id") != state.client_id:
            return HTMLResponse("<h1>Error 401: invalid_client</h1>", status_code=401)
        if params.get("response_type") != "code" or not params.get("redirect_uri"):
            return HTMLResponse("<h1>Error 400: invalid_request</h1>", status_code=400)
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return HTMLResponse(
                "<h1>Error 400: invalid_request (PKCE S256 required)</h1>", status_code=400
            )
        scopes = params.get("scope", "").split()
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        accounts = "".join(
            f'<option value="{html.escape(e)}"'
            f"{' selected' if e == state.consent_email else ''}>{html.escape(e)}</option>"
            for e in state.mailboxes
        )
        boxes = "".join(
            f'<li><label><input type="checkbox" name="grant" value="{html.escape(s)}" checked>'
            f" {html.escape(s)}</label></li>"
            for s in scopes
        )
        page = (
            "<!doctype html><html><head><title>Sign in - Google Accounts (fake)</title></head>"
            "<body><h1>PingCRM wants to access your Google Account</h1>"
            f'<form method="post" action="/o/oauth2/v2/auth/consent">{hidden}'
            f'<label>Account <select name="account">{accounts}</select></label>'
            f"<ul>{boxes}</ul>"
            '<button type="submit" name="decision" value="allow">Allow</button> '
            '<button type="submit" name="decision" value="deny">Cancel</button>'
            "</form></body></html>"
        )
        return HTMLResponse(page)

    async def consent(request: Request) -> Response:
        form = await request.form()
        redirect_uri = str(form.get("redirect_uri"))
        back: dict[str, str] = {"state": str(form.get("state", ""))}
        if form.get("decision") != "allow":
            back["error"] = "access_denied"
            return RedirectResponse(f"{redirect_uri}?{urlencode(back)}", status_code=303)
        email = str(form.get("account") or state.consent_email or "")
        requested = str(form.get("scope", "")).split()
        granted = [s for s in requested if s in {str(v) for v in form.getlist("grant")}]
        if str(form.get("include_granted_scopes")) == "true":
            box = state.mailboxes.get(email)
            granted = [s for s in granted if box is None or s in box.scopes]
        code = state.issue_code(
            email,
            granted,
            {
                "client_id": str(form.get("client_id")),
                "redirect_uri": redirect_uri,
                "challenge": str(form.get("code_challenge")),
            },
        )
        back.update({"code": code, "scope": " ".join(granted)})
        return RedirectResponse(f"{redirect_uri}?{urlencode(back)}", status_code=303)

    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        with state.lock:
            state.token_requests.append(form)
        failure = state.take_failure("token")
        if failure is not None:
            return _token_error(failure.reason or "server_error", failure.message, failure.status)
        if form.get("client_id") != state.client_id or (
            form.get("client_secret") != state.client_secret
        ):
            return _token_error("invalid_client", "The OAuth client was not found.", 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with state.lock:
                issued = state.codes.pop(form.get("code", ""), None)
            if issued is None:
                return _token_error("invalid_grant", "Malformed auth code.")
            if issued["redirect_uri"] != form.get("redirect_uri"):
                return _token_error("redirect_uri_mismatch", "Bad Request")
            if _challenge(form.get("code_verifier", "")) != issued["challenge"]:
                return _token_error("invalid_grant", "Invalid code verifier.")
            return JSONResponse(state.issue_tokens(issued["email"], issued["scopes"], refresh=True))
        if grant == "refresh_token":
            with state.lock:
                holder = state.refresh_tokens.get(form.get("refresh_token", ""))
                box = state.mailboxes.get(holder["email"]) if holder else None
            if holder is None or (box is not None and box.invalid_grant):
                return _token_error("invalid_grant", "Token has been expired or revoked.")
            return JSONResponse(
                state.issue_tokens(holder["email"], holder["scopes"], refresh=False)
            )
        return _token_error("unsupported_grant_type", f"Invalid grant_type: {grant}")

    async def revoke(request: Request) -> Response:
        form = await request.form()
        token_value = str(form.get("token") or request.query_params.get("token") or "")
        failure = state.take_failure("revoke")
        if failure is not None:
            return _token_error(failure.reason or "server_error", failure.message, failure.status)
        with state.lock:
            holder = state.refresh_tokens.pop(token_value, None)
            access = state.access_tokens.pop(token_value, None)
            if holder is None and access is None:
                return _token_error("invalid_token", "Token expired or revoked")
            state.revoked.append(token_value)
            if holder is not None:
                for key in [
                    k for k, v in state.access_tokens.items() if v["email"] == holder["email"]
                ]:
                    del state.access_tokens[key]
        return JSONResponse({})

    return [
        Route("/o/oauth2/v2/auth", authorize, methods=["GET"]),
        Route("/o/oauth2/v2/auth/consent", consent, methods=["POST"]),
        Route("/token", token, methods=["POST"]),
        Route("/revoke", revoke, methods=["POST"]),
    ]
