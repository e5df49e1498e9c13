"""Walk every route of the app as one user, aiming at another user's data.

Used by ``test_isolation.py``. For each route in ``app.routes`` and each of its methods,
path parameters are filled by name with the victim's ids (``ID_PARAMS``), a plausible
query string and body are generated from the route's declared parameters, and the
request is sent with the attacker's credentials: the page session + CSRF token for pages,
a bearer token for ``/api``. Every response is checked for the victim's marker, and
requests aimed at the victim's ids must answer 404 (422 when a body is refused first).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, params
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, TypeAdapter
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.models import User, UserSettings
from pingcrm.web.deps import get_extension_user
from tests.web.isolation_world import World, dump_rows

# Path (and query/body) parameter names that carry a user-owned id -> kind in World.ids.
# A route with a path parameter missing here fails the isolation test: add the name.
ID_PARAMS: dict[str, str] = {
    "contact_id": "contact",
    "other_id": "contact",
    "survivor_id": "contact",
    "absorbed_id": "contact",
    "keep_id": "contact",
    "merge_with": "contact",
    "interaction_id": "interaction",
    "note_id": "note",
    "organization_id": "organization",
    "org_id": "organization",
    "notification_id": "notification",
    "suggestion_id": "suggestion",
    "match_id": "match",
    "merge_id": "merge",
    "run_id": "run",
    "import_id": "run",
    "sync_run_id": "run",
    "account_id": "account",
    "platform_account_id": "account",
    "tag_id": "tag",
    "category_id": "category",
    "identifier_id": "identifier",
    "event_id": "event",
    "brief_id": "brief",
    "token_id": "extension_token",
    "key": "import_mapping",
}
# Path parameters that are not ids: a value the route accepts.
VALUE_PARAMS: dict[str, str] = {
    "provider": "gmail",
    "platform": "email",
    "section": "account",
    "topic": "mcp",
    "kind": "email",
    "code": "PING-ABCDEF",
}
# List-valued body fields called plainly ``ids``: the kind follows the path's resource.
IDS_BY_RESOURCE: dict[str, str] = {
    "contacts": "contact",
    "notifications": "notification",
    "suggestions": "suggestion",
    "organizations": "organization",
    "tags": "tag",
    "interactions": "interaction",
    "identity": "match",
    "matches": "match",
    "imports": "run",
}
# Form/JSON string fields whose valid values a generic probe cannot guess: a value the
# route accepts, so that its request reaches the ownership check instead of a 422.
FIELD_VALUES: dict[str, str] = {
    "priority": "high",
    "duration": "2w",
    "kind": "call",
    "platform": "manual",
    "direction": "outbound",
    "channel": "email",
    "bulk_action": "add_tag",
}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Statuses a request aimed at another user's id may answer: not found (the id is not
# theirs) or, for writes, a body refused before the lookup.
FOREIGN_OK_READ = {404}
FOREIGN_OK_WRITE = {404, 422}
PROBE_TEXT = "isolation probe"
PROBE_FILE = ("probe.csv", b"First Name,Last Name,Email Address\nProbe,Person,probe@example.com\n")


class UnknownParameter(Exception):
    """A route's path parameter is in neither ``ID_PARAMS`` nor ``VALUE_PARAMS``."""


@dataclass
class Caller:
    """The attacker's credentials and the account row to restore if a route changes it."""

    world: World
    session_cookie: str
    csrf: str
    bearer: dict[str, str]
    snapshot: dict[str, Any] = field(default_factory=dict)
    # The LinkedIn extension's token: the only credential extension endpoints take.
    extension_bearer: dict[str, str] = field(default_factory=dict)


@dataclass
class RouteInfo:
    """One route as mounted (router prefixes applied): what the walker needs of it."""

    path: str
    path_format: str
    methods: set[str]
    params: list[str]
    dependant: Any = None
    body_field: Any = None
    kind: str = "APIRoute"


def routes_of(app: FastAPI) -> list[RouteInfo]:
    """Every route of ``app``, including those of included routers, in matching order."""
    found: list[RouteInfo] = []
    for ctx in iter_route_contexts(app.routes):
        original = ctx.original_route
        if isinstance(original, APIRoute):
            found.append(
                RouteInfo(
                    path=str(ctx.path),
                    path_format=str(ctx.path_format),
                    methods=set(ctx.methods or ()),
                    params=list(ctx.param_convertors),
                    dependant=ctx.dependant,
                    body_field=ctx.body_field,
                )
            )
        else:
            found.append(
                RouteInfo(
                    path=str(ctx.path),
                    path_format=str(ctx.path_format or ctx.path),
                    methods=set(ctx.methods or ()),
                    params=[],
                    kind=type(original).__name__,
                )
            )
    return found


@dataclass
class WalkResult:
    """What one walk found."""

    problems: list[str] = field(default_factory=list)
    calls: int = 0
    own_marker_seen: int = 0
    # Reads of the caller's own ids that answered 404: the route cannot be told apart
    # from a broken one, so its 404 for the victim's ids proves nothing.
    own_not_found: list[str] = field(default_factory=list)
    walked: list[str] = field(default_factory=list)


def takes_extension_token(route: RouteInfo) -> bool:
    """Whether the route authenticates with the LinkedIn extension's token only."""

    def walk_deps(dependant: Any) -> bool:
        return any(d.call is get_extension_user or walk_deps(d) for d in dependant.dependencies)

    return route.dependant is not None and walk_deps(route.dependant)


def path_parameters(route: RouteInfo) -> list[str]:
    """The names of the route's path parameters, in order."""
    return route.params


def check_known(route: RouteInfo) -> None:
    """Raise ``UnknownParameter`` for a path parameter the walker cannot fill."""
    for name in path_parameters(route):
        if name not in ID_PARAMS and name not in VALUE_PARAMS:
            raise UnknownParameter(
                f"{sorted(route.methods)} {route.path}: path parameter {name!r} is unknown to "
                "the isolation test; add it to ID_PARAMS (a user-owned id: which kind?) or "
                "VALUE_PARAMS (a plain value) in tests/web/route_walker.py"
            )


def _resource(path: str) -> str:
    parts = [p for p in path.split("/") if p and not p.startswith("{")]
    if parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    return parts[0] if parts else ""


def _ids_kind(name: str, path: str) -> str | None:
    """The kind of id a body/query field carries, judged by its name (and path)."""
    if name in ID_PARAMS:
        return ID_PARAMS[name]
    if name.endswith("_ids") and name[:-4] + "_id" in ID_PARAMS:
        return ID_PARAMS[name[:-4] + "_id"]
    if name == "ids":
        return IDS_BY_RESOURCE.get(_resource(path), "contact")
    if name.endswith("_id"):
        # e.g. a merge's ``target_id``: the same kind as the route's own id.
        own = [ID_PARAMS[p] for p in re.findall(r"{(\w+)}", path) if p in ID_PARAMS]
        return own[-1] if own else IDS_BY_RESOURCE.get(_resource(path), "contact")
    return None


class _Sampler:
    """Plausible values from a JSON schema; id-like fields get the victim's ids."""

    def __init__(self, schema: dict[str, Any], victim: World, path: str) -> None:
        self.defs: dict[str, Any] = schema.get("$defs", {})
        self.victim = victim
        self.path = path
        self.files: dict[str, tuple[str, bytes]] = {}

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.defs[schema["$ref"].rsplit("/", 1)[-1]]
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self._resolve(schema["allOf"][0])
        return schema

    def value(self, schema: dict[str, Any], name: str = "", *, full: bool = True) -> Any:
        schema = self._resolve(schema)
        kind = _ids_kind(name, self.path) if name else None
        options = schema.get("anyOf") or schema.get("oneOf")
        if options:
            usable = [o for o in options if self._resolve(o).get("type") != "null"]
            return self.value(usable[0] if usable else options[0], name, full=full)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        kind_type = schema.get("type")
        if kind is not None and kind_type == "integer":
            # The last one: a merge target must differ from the path's (first) id.
            return self.victim.ids[kind][-1]
        if kind is not None and kind_type == "array":
            return self.victim.ids.get(kind, [])[:2] or [self.victim.first("contact")]
        if kind is not None and kind_type == "string" and name != "ids":
            return str(self.victim.first(kind))
        if kind_type == "object" or "properties" in schema:
            required = set(schema.get("required", []))
            result: dict[str, Any] = {}
            for prop, sub in schema.get("properties", {}).items():
                if full or prop in required or _ids_kind(prop, self.path):
                    result[prop] = self.value(sub, prop, full=full)
            return result
        if kind_type == "array":
            item = self.value(schema.get("items", {}), name, full=full)
            return [item] * max(1, schema.get("minItems", 1))
        if kind_type == "integer":
            low = schema.get("minimum", schema.get("exclusiveMinimum", 0) + 1)
            return max(int(low), min(30, int(schema.get("maximum", 30))))
        if kind_type == "number":
            return float(schema.get("minimum", 1.0))
        if kind_type == "boolean":
            return True
        if kind_type == "string":
            return self._string(schema, name)
        return PROBE_TEXT

    def _string(self, schema: dict[str, Any], name: str) -> Any:
        fmt = schema.get("format", "")
        if fmt in {"binary"} or schema.get("contentMediaType"):
            self.files[name] = PROBE_FILE
            return None
        if fmt == "email" or "email" in name:
            return "probe@example.com"
        if fmt == "date-time":
            return datetime.now(UTC).replace(microsecond=0).isoformat()
        if fmt == "date":
            return "2026-01-15"
        if fmt in {"uri", "url"} or name.endswith("url"):
            return "https://example.com/probe"
        if name in FIELD_VALUES:
            return FIELD_VALUES[name]
        text = PROBE_TEXT
        low, high = schema.get("minLength", 0), schema.get("maxLength", 200)
        text = (text * (1 + low // len(text)))[: max(low, min(high, len(text)))]
        return text


def _annotation_schema(annotation: Any) -> dict[str, Any]:
    schema: dict[str, Any] = TypeAdapter(annotation).json_schema(ref_template="#/$defs/{model}")
    return schema


def _query_fields(dependant: Any) -> list[Any]:
    fields = list(dependant.query_params)
    for sub in dependant.dependencies:
        fields.extend(_query_fields(sub))
    return fields


def build_query(route: RouteInfo, victim: World) -> dict[str, Any]:
    """Required query parameters, and every id-like one aimed at the victim."""
    query: dict[str, Any] = {}
    for qfield in _query_fields(route.dependant):
        annotation = qfield.field_info.annotation
        model = annotation if isinstance(annotation, type) else None
        if model is not None and issubclass(model, BaseModel):
            # A query model (``Annotated[Model, Query()]``): its fields are the parameters.
            for name, info in model.model_fields.items():
                if _ids_kind(name, route.path) and name.endswith("_id"):
                    query[name] = victim.first(_ids_kind(name, route.path) or "contact")
                elif info.is_required():
                    sampler = _Sampler(_annotation_schema(info.annotation), victim, route.path)
                    query[name] = sampler.value(_annotation_schema(info.annotation), name)
            continue
        name = qfield.alias
        kind = _ids_kind(name, route.path)
        if kind and name.endswith("_id"):
            query[name] = victim.first(kind)
        elif qfield.field_info.is_required():
            schema = _annotation_schema(annotation)
            query[name] = _Sampler(schema, victim, route.path).value(schema, name)
    return query


@dataclass
class Body:
    """A request body: JSON, or form fields (with files for multipart)."""

    json: Any = None
    form: dict[str, Any] | None = None
    files: dict[str, tuple[str, bytes]] | None = None


def build_bodies(route: RouteInfo, victim: World) -> list[Body]:
    """A full plausible body and a minimal one (required and id fields only)."""
    body_field = route.body_field
    if body_field is None:
        return [Body()]
    schema = _annotation_schema(body_field.field_info.annotation)
    is_form = isinstance(body_field.field_info, params.Form)
    bodies: list[Body] = []
    for full in (True, False):
        sampler = _Sampler(schema, victim, route.path)
        value = sampler.value(schema, full=full)
        if is_form:
            form = {k: v for k, v in (value or {}).items() if v is not None}
            form = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in form.items()}
            bodies.append(Body(form=form, files=sampler.files or None))
        else:
            bodies.append(Body(json=value))
    return bodies


def fill_path(route: RouteInfo, values: dict[str, Any]) -> str:
    """The route's path with its parameters replaced by ``values``."""
    path = route.path_format
    for name in path_parameters(route):
        path = path.replace("{" + name + "}", str(values[name]))
    return path


def path_variants(route: RouteInfo, attacker: World, victim: World) -> list[dict[str, Any]]:
    """Parameter sets to try: all ids the victim's, then (with several ids) one at a time."""
    names = path_parameters(route)
    id_names = [n for n in names if n in ID_PARAMS]
    base: dict[str, Any] = {n: VALUE_PARAMS[n] for n in names if n in VALUE_PARAMS}
    variants = [{**base, **{n: victim.first(ID_PARAMS[n]) for n in id_names}}]
    if len(id_names) > 1:
        for foreign in id_names:
            variant: dict[str, Any] = dict(base)
            for n in id_names:
                owner = victim if n == foreign else attacker
                variant[n] = owner.first(ID_PARAMS[n])
            variants.append(variant)
    return variants


def restore_caller(factory: sessionmaker[Session], caller: Caller) -> bool:
    """Undo a route's change to the attacker's own account (password, email, deletion)."""
    with factory() as session:
        user = session.get(User, caller.world.user.id)
        if user is not None and all(getattr(user, k) == v for k, v in caller.snapshot.items()):
            return False
        if user is None:
            session.add(User(id=caller.world.user.id, **caller.snapshot))
            session.flush()
            session.add(UserSettings(user_id=caller.world.user.id))
        else:
            for key, value in caller.snapshot.items():
                setattr(user, key, value)
        session.commit()
    return True


def snapshot_caller(factory: sessionmaker[Session], caller: Caller) -> None:
    """Remember the attacker's account row (restored after each request)."""
    with factory() as session:
        user = session.get(User, caller.world.user.id)
        assert user is not None
        caller.snapshot = {
            "email": user.email,
            "password_hash": user.password_hash,
            "token_version": user.token_version,
        }


def _send(
    client: TestClient,
    method: str,
    path: str,
    query: dict[str, Any],
    body: Body,
    headers: dict[str, str],
) -> Any:
    kwargs: dict[str, Any] = {"params": query, "headers": headers, "follow_redirects": False}
    if body.json is not None:
        kwargs["json"] = body.json
    if body.form is not None:
        kwargs["data"] = body.form
    if body.files:
        kwargs["files"] = {k: (n, c, "text/csv") for k, (n, c) in body.files.items()}
    client.cookies.clear()
    return client.request(method, path, **kwargs)


def _same_site_redirect(response: Any) -> str | None:
    """Where a redirect within the app leads (None for others and for the login page)."""
    location = response.headers.get("location") if response.is_redirect else None
    location = location or response.headers.get("hx-redirect")
    if not location or not location.startswith("/") or location.startswith(("//", "/login")):
        return None
    return str(location.split("#", 1)[0])


def walk(
    app: FastAPI,
    factory: sessionmaker[Session],
    attacker: Caller,
    victim: World,
    skipped: dict[str, str],
    only: str | None = None,
) -> WalkResult:
    """Call every route as ``attacker`` against ``victim``'s ids; collect the problems.

    ``only`` limits the walk to paths starting with it (the walker's own tests)."""
    result = WalkResult()
    with factory() as session:
        before = dump_rows(session, victim.user.id)
    snapshot_caller(factory, attacker)
    victim_marker = victim.marker.lower()
    own_marker = attacker.world.marker.lower()
    client = TestClient(app, base_url="http://testserver", raise_server_exceptions=False)
    for route in routes_of(app):
        if route.path in skipped or (only and not route.path.startswith(only)):
            continue
        if route.kind != "APIRoute":
            result.problems.append(
                f"{route.path}: a {route.kind} the walker cannot enter; list it in SKIPPED "
                "with the reason no user data is reachable through it, or walk it"
            )
            continue
        check_known(route)
        result.walked.append(route.path)
        is_api = route.path.startswith("/api")
        api_bearer = attacker.extension_bearer if takes_extension_token(route) else attacker.bearer
        if "GET" in route.methods and any(n in ID_PARAMS for n in path_parameters(route)):
            own = {
                n: attacker.world.first(ID_PARAMS[n])
                for n in path_parameters(route)
                if n in ID_PARAMS
            }
            own_path = fill_path(route, {**VALUE_PARAMS, **own})
            own_headers = (
                dict(api_bearer)
                if is_api
                else {"Cookie": f"pingcrm_session={attacker.session_cookie}"}
            )
            control = _send(
                client, "GET", own_path, build_query(route, attacker.world), Body(), own_headers
            )
            result.calls += 1
            if control.status_code == 404:
                result.own_not_found.append(f"GET {own_path}")
        for method in sorted(route.methods or []):
            for variant in path_variants(route, attacker.world, victim):
                path = fill_path(route, variant)
                foreign = any(n in ID_PARAMS for n in variant)
                query = build_query(route, victim)
                if is_api:
                    headers = dict(api_bearer)
                else:
                    headers = {
                        "Cookie": f"pingcrm_session={attacker.session_cookie}",
                        "X-CSRF-Token": attacker.csrf,
                    }
                if method in UNSAFE:
                    attempts = [(b, headers) for b in build_bodies(route, victim)]
                    for body, _ in attempts:
                        if body.form is not None and not is_api:
                            body.form["csrf_token"] = attacker.csrf
                else:
                    attempts = [(Body(), headers)]
                    if not is_api:
                        attempts.append((Body(), {**headers, "HX-Request": "true"}))
                for body, hdrs in attempts:
                    response = _send(client, method, path, query, body, hdrs)
                    result.calls += 1
                    label = f"{method} {path}" + (" (htmx)" if "HX-Request" in hdrs else "")
                    text = response.text.lower()
                    if method == "GET":
                        # A read that redirects within the app is judged by where it lands.
                        for _ in range(3):
                            target = _same_site_redirect(response)
                            if target is None:
                                break
                            response = _send(client, "GET", target, {}, Body(), hdrs)
                            result.calls += 1
                            label += f" -> {target}"
                            text += response.text.lower()
                    if victim_marker in text:
                        result.problems.append(
                            f"{label} -> {response.status_code}: the response shows another "
                            f"user's data ({victim.marker!r} found)"
                        )
                    if own_marker in text:
                        result.own_marker_seen += 1
                    status = response.status_code
                    location = response.headers.get("location", "") + response.headers.get(
                        "hx-redirect", ""
                    )
                    if status == 401 or "/login" in location:
                        result.problems.append(
                            f"{label} -> {status}: the caller was not recognised (is the route "
                            "on PageUser/ApiUser? did a previous route end the session?)"
                        )
                    elif status >= 500:
                        result.problems.append(f"{label} -> {status}: server error")
                    elif foreign:
                        allowed = FOREIGN_OK_WRITE if method in UNSAFE else FOREIGN_OK_READ
                        if status not in allowed:
                            result.problems.append(
                                f"{label} -> {status}: another user's id must answer 404 "
                                f"(allowed: {sorted(allowed)})"
                            )
                    if method in UNSAFE:
                        with factory() as session:
                            now = dump_rows(session, victim.user.id)
                        if now != before:
                            changed = sorted(t for t in now if now[t] != before[t])
                            result.problems.append(
                                f"{label} -> {status}: changed another user's rows in {changed}"
                            )
                            before = now
                        restore_caller(factory, attacker)
                    if foreign and status == 404 and method in UNSAFE:
                        break  # the minimal body would be refused the same way
    with factory() as session:
        after = dump_rows(session, victim.user.id)
    if after != before:
        changed = sorted(t for t in after if after[t] != before[t])
        result.problems.append(f"the walk changed another user's rows in {changed}")
    client.close()
    return result
