"""The fake X's ASGI app: OAuth 2.0 (authorize page, token, revoke) and API v2 (users/me,
users lookup, dm_events, users/:id/mentions) with X's wire format:

- success: ``{"data": [...], "includes": {"users": [...]}, "meta": {"result_count",
  "next_token", ...}}``; partial errors in an ``errors`` array;
- failures: ``application/problem+json`` (``type``, ``title``, ``detail``, ``status``);
- every API answer carries ``x-rate-limit-limit/-remaining/-reset`` when a limit is set;
  a used-up window answers 429 ``Too Many Requests``.
"""

from __future__ import annotations

import base64
import html
import time
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.twitter.state import PROBLEMS, FakeX, Window, challenge


def _problem(
    status: int, title: str, detail: str, kind: str = "about:blank", **extra: Any
) -> JSONResponse:
    body = {"title": title, "detail": detail, "type": kind, "status": status, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _token_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _encode(offset: int) -> str:
    return base64.b32encode(f"p{offset}".encode()).decode().rstrip("=").lower()


def _decode(token: str) -> int | None:
    try:
        raw = base64.b32decode(token.upper() + "=" * (-len(token) % 8)).decode()
        return int(raw[1:]) if raw.startswith("p") else None
    except (ValueError, UnicodeDecodeError):
        return None


def _rate_headers(window: Window | None) -> dict[str, str]:
    if window is None:
        return {}
    return {
        "x-rate-limit-limit": str(window.limit),
        "x-rate-limit-remaining": str(max(0, window.remaining)),
        "x-rate-limit-reset": str(window.reset),
    }


def build_app(state: FakeX) -> Starlette:
    def authorized(request: Request) -> dict[str, Any] | Response:
        header = request.headers.get("authorization", "")
        token = header[7:] if header.lower().startswith("bearer ") else ""
        with state.lock:
            holder = state.access_tokens.get(token)
        if holder is None or holder["expires_at"] <= time.time():
            return _problem(401, "Unauthorized", "Unauthorized")
        return holder

    def api(
        request: Request, endpoint: str, scope_needed: tuple[str, ...]
    ) -> tuple[dict[str, Any] | None, Response | None, dict[str, str]]:
        """Auth, injected failures, scopes and the rate window of one API call."""
        state.count_call(endpoint)
        with state.lock:
            state.api_requests.append((endpoint, dict(request.query_params)))
        holder = authorized(request)
        if isinstance(holder, Response):
            return None, holder, {}
        window = state.spend(endpoint, holder["owner"])
        headers = _rate_headers(window)
        if window is not None and window.remaining < 0:
            response = _problem(429, "Too Many Requests", "Too Many Requests")
            response.headers.update(headers)
            return None, response, headers
        failure = state.take_failure(endpoint)
        if failure is not None:
            response = JSONResponse(
                failure.body,
                status_code=failure.status,
                media_type="application/problem+json",
                headers={**headers, **failure.headers},
            )
            return None, response, headers
        missing = [s for s in scope_needed if s not in holder["scopes"]]
        if missing:
            response = _problem(
                403,
                "Forbidden",
                f"Missing scope: {', '.join(missing)}.",
                PROBLEMS + "unsupported-authentication",
            )
            response.headers.update(headers)
            return None, response, headers
        return holder, None, headers

    def page_of(
        items: list[dict[str, Any]], request: Request, lo: int, hi: int
    ) -> tuple[list[dict[str, Any]], str | None] | Response:
        try:
            size = int(request.query_params.get("max_results", str(hi)))
        except ValueError:
            size = -1
        if not lo <= size <= hi:
            return _problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "https://api.twitter.com/2/problems/invalid-request",
                errors=[
                    {
                        "parameters": {"max_results": [str(size)]},
                        "message": f"The `max_results` query parameter value [{size}] "
                        f"is not between {lo} and {hi}",
                    }
                ],
            )
        token = request.query_params.get("pagination_token")
        start = 0
        if token:
            decoded = _decode(token)
            if decoded is None:
                return _problem(
                    400,
                    "Invalid Request",
                    "The `pagination_token` query parameter value is not valid.",
                    "https://api.twitter.com/2/problems/invalid-request",
                )
            start = decoded
        chunk = items[start : start + size]
        following = _encode(start + size) if start + size < len(items) else None
        return chunk, following

    def users_of(ids: set[str]) -> list[dict[str, Any]]:
        with state.lock:
            return [dict(state.users[i]) for i in sorted(ids) if i in state.users]

    def users_me(request: Request) -> Response:
        holder, error, headers = api(request, "users.me", ("users.read",))
        if error is not None:
            return error
        assert holder is not None
        with state.lock:
            user = dict(state.users[holder["owner"]])
        return JSONResponse({"data": user}, headers=headers)

    def users_lookup(request: Request) -> Response:
        _holder, error, headers = api(request, "users", ("users.read",))
        if error is not None:
            return error
        ids = [i for i in request.query_params.get("ids", "").split(",") if i]
        if not 1 <= len(ids) <= 100:
            return _problem(
                400,
                "Invalid Request",
                "The `ids` query parameter must hold 1 to 100 ids.",
                "https://api.twitter.com/2/problems/invalid-request",
            )
        found = users_of(set(ids))
        body: dict[str, Any] = {}
        if found:
            body["data"] = found
        known = {u["id"] for u in found}
        missing = [i for i in ids if i not in known]
        if missing:
            body["errors"] = [
                {
                    "value": i,
                    "detail": f"Could not find user with ids: [{i}].",
                    "title": "Not Found Error",
                    "resource_type": "user",
                    "parameter": "ids",
                    "resource_id": i,
                    "type": PROBLEMS + "resource-not-found",
                }
                for i in missing
            ]
        return JSONResponse(body, headers=headers)

    def dm_events(request: Request) -> Response:
        holder, error, headers = api(request, "dm_events", ("dm.read", "tweet.read", "users.read"))
        if error is not None:
            return error
        assert holder is not None
        if state.dm_forbidden:
            return _problem(
                403,
                "Client Forbidden",
                "When authenticating requests to the Twitter API v2 endpoints, you must use "
                "keys and tokens from a Twitter developer App that is attached to a Project.",
                PROBLEMS + "client-forbidden",
                reason="client-not-enrolled",
                required_enrollment="Appropriate Level of API Access",
                registration_url="https://developer.twitter.com/en/docs/projects/overview",
            )
        kinds = set(request.query_params.get("event_types", "MessageCreate").split(","))
        with state.lock:
            # The fake holds MessageCreate events only (no joins / leaves).
            events = state.dm_events.get(holder["owner"], []) if "MessageCreate" in kinds else []
        result = page_of(events, request, 1, 100)
        if isinstance(result, Response):
            return result
        chunk, following = result
        expansions = set(request.query_params.get("expansions", "").split(","))
        body: dict[str, Any] = {"meta": {"result_count": len(chunk)}}
        if chunk:
            body["data"] = chunk
            ids: set[str] = set()
            if "sender_id" in expansions:
                ids.update(e["sender_id"] for e in chunk)
            if "participant_ids" in expansions:
                ids.update(p for e in chunk for p in e.get("participant_ids") or [])
            users = users_of(ids)
            if users:
                body["includes"] = {"users": users}
        if following:
            body["meta"]["next_token"] = following
        return JSONResponse(body, headers=headers)

    def mentions(request: Request) -> Response:
        holder, error, headers = api(request, "mentions", ("tweet.read", "users.read"))
        if error is not None:
            return error
        assert holder is not None
        owner = request.path_params["user_id"]
        since = request.query_params.get("since_id")
        with state.lock:
            if owner not in state.users:
                return _problem(
                    404,
                    "Not Found Error",
                    f"Could not find user with id: [{owner}].",
                    PROBLEMS + "resource-not-found",
                )
            items = state.mentions.get(owner, [])
        if since:  # newest first: the ones after since_id are a prefix
            cut = next((n for n, t in enumerate(items) if int(t["id"]) <= int(since)), len(items))
            items = items[:cut]
        result = page_of(items, request, 5, 100)
        if isinstance(result, Response):
            return result
        chunk, following = result
        meta: dict[str, Any] = {"result_count": len(chunk)}
        body: dict[str, Any] = {"meta": meta}
        if chunk:
            body["data"] = chunk
            meta["newest_id"] = chunk[0]["id"]
            meta["oldest_id"] = chunk[-1]["id"]
            if "author_id" in request.query_params.get("expansions", ""):
                users = users_of({t["author_id"] for t in chunk})
                if users:
                    body["includes"] = {"users": users}
        if following:
            meta["next_token"] = following
        return JSONResponse(body, headers=headers)

    # --- OAuth 2.0 ------------------------------------------------------------------

    async def authorize(request: Request) -> Response:
        params = dict(request.query_params)
        with state.lock:
            state.authorize_requests.append(params)
        if params.get("client_id") != state.client_id:
            return HTMLResponse(
                "<h1>Something went wrong</h1><p>invalid client_id</p>", status_code=400
            )
        if (
            params.get("response_type") != "code"
            or not params.get("redirect_uri")
            or not params.get("state")
        ):
            return HTMLResponse(
                "<h1>Something went wrong</h1><p>invalid_request</p>", status_code=400
            )
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return HTMLResponse(
                "<h1>Something went wrong</h1><p>PKCE S256 required</p>", status_code=400
            )
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in params.items()
        )
        with state.lock:
            owners = [u for u in state.users.values() if u["id"] == state.consent_user] or list(
                state.users.values()
            )[:1]
        options = "".join(
            f'<option value="{html.escape(u["id"])}">@{html.escape(u["username"])}</option>'
            for u in owners
        )
        scopes = "".join(f"<li>{html.escape(s)}</li>" for s in params.get("scope", "").split())
        page = (
            "<!doctype html><html><head><title>Authorize app - X (fake)</title></head><body>"
            "<h1>PingCRM wants to access your X account</h1>"
            f'<form method="post" action="/i/oauth2/authorize/consent">{hidden}'
            f'<label>Account <select name="account">{options}</select></label>'
            f"<ul>{scopes}</ul>"
            '<button type="submit" name="decision" value="allow">Authorize app</button> '
            '<button type="submit" name="decision" value="deny">Cancel</button>'
            "</form></body></html>"
        )
        return HTMLResponse(page)

    async def consent(request: Request) -> Response:
        form = await request.form()
        redirect_uri = str(form.get("redirect_uri"))
        back = {"state": str(form.get("state", ""))}
        if form.get("decision") != "allow":
            back["error"] = "access_denied"
            return RedirectResponse(f"{redirect_uri}?{urlencode(back)}", status_code=302)
        code = state.issue_code(
            str(form.get("account")),
            str(form.get("scope", "")).split(),
            {
                "client_id": str(form.get("client_id")),
                "redirect_uri": redirect_uri,
                "challenge": str(form.get("code_challenge")),
            },
        )
        back["code"] = code
        return RedirectResponse(f"{redirect_uri}?{urlencode(back)}", status_code=302)

    def client_ok(request: Request, form: dict[str, str]) -> bool:
        if state.client_secret:
            expected = base64.b64encode(
                f"{state.client_id}:{state.client_secret}".encode()
            ).decode()
            return request.headers.get("authorization", "") == f"Basic {expected}"
        return form.get("client_id") == state.client_id

    async def token(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        with state.lock:
            state.token_requests.append(form)
        failure = state.take_failure("token")
        if failure is not None:
            return JSONResponse(failure.body, status_code=failure.status, headers=failure.headers)
        if not client_ok(request, form):
            return _token_error("unauthorized_client", "Missing valid authorization header", 401)
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with state.lock:
                issued = state.codes.pop(form.get("code", ""), None)
            if issued is None:
                return _token_error(
                    "invalid_request", "Value passed for the authorization code was invalid."
                )
            if issued["redirect_uri"] != form.get("redirect_uri"):
                return _token_error(
                    "invalid_request",
                    "Value passed for the redirect uri did not match the uri of the "
                    "authorization code.",
                )
            if challenge(form.get("code_verifier", "")) != issued["challenge"]:
                return _token_error(
                    "invalid_request",
                    "Value passed for the code verifier did not match the code challenge.",
                )
            return JSONResponse(state.issue_tokens(issued["owner"], issued["scopes"]))
        if grant == "refresh_token":
            body = state.rotate(form.get("refresh_token", ""))
            if body is None:
                return _token_error("invalid_request", "Value passed for the token was invalid.")
            return JSONResponse(body)
        return _token_error("invalid_request", f"Unsupported grant_type {grant}.")

    async def revoke(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not client_ok(request, form):
            return _token_error("unauthorized_client", "Missing valid authorization header", 401)
        value = form.get("token", "")
        with state.lock:
            holder = state.refresh_tokens.pop(value, None)
            access = state.access_tokens.pop(value, None)
            if holder is not None or access is not None:
                state.revoked.append(value)
        return JSONResponse({"revoked": True})

    async def stats(_request: Request) -> JSONResponse:
        with state.lock:
            return JSONResponse({"calls": dict(state.calls), "revoked": len(state.revoked)})

    return Starlette(
        routes=[
            Route("/i/oauth2/authorize", authorize, methods=["GET"]),
            Route("/i/oauth2/authorize/consent", consent, methods=["POST"]),
            Route("/2/oauth2/token", token, methods=["POST"]),
            Route("/2/oauth2/revoke", revoke, methods=["POST"]),
            Route("/2/users/me", users_me, methods=["GET"]),
            Route("/2/users", users_lookup, methods=["GET"]),
            Route("/2/users/{user_id}/mentions", mentions, methods=["GET"]),
            Route("/2/dm_events", dm_events, methods=["GET"]),
            Route("/_fake/stats", stats, methods=["GET"]),
        ]
    )
