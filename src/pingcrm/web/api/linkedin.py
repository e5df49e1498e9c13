"""``/api/v1/linkedin/*``: pairing by the user (API token) and the extension's push,
profile backfill, avatar upload and contact lookup (extension token). docs/linkedin.md."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import BaseModel, Field

from pingcrm.errors import ValidationFailed
from pingcrm.linkedin import pairing, profiles, service
from pingcrm.linkedin import push as push_service
from pingcrm.linkedin.schemas import FORBIDDEN, ProfilesIn, PushIn, find_cookie, parse
from pingcrm.web.api.envelope import Envelope, one
from pingcrm.web.deps import ApiUser, ExtensionUser, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/linkedin", tags=["linkedin"])


def refuse_cookies(request: Request) -> None:
    """No request to these endpoints may carry LinkedIn's session cookies, anywhere."""
    for name, value in request.headers.items():
        if name.lower() in ("authorization",):
            continue
        text = f"{name}:{value}".lower().replace("-", "_")
        if any(word in text for word in FORBIDDEN):
            raise _cookie_refused(f"header {name}")


def _cookie_refused(where: str) -> ValidationFailed:
    return ValidationFailed(
        "LinkedIn session cookies (li_at, JSESSIONID) must never be sent to PingCRM; "
        "nothing was saved.",
        code="cookie_refused",
        details={"errors": [{"field": where, "message": "contains li_at or JSESSIONID"}]},
    )


async def raw_body(request: Request) -> bytes:
    """The request's raw bytes (read without blocking; the body limit applies)."""
    return await request.body()


RawBody = Annotated[bytes, Depends(raw_body)]


def _check_body(body: Any) -> None:
    where = find_cookie(body)
    if where is not None:
        raise _cookie_refused(where)


class PairIn(BaseModel):
    code: str = Field(max_length=32)


class PairOut(BaseModel):
    paired: bool
    code: str


class BackfillOut(BaseModel):
    contact_id: int
    member_urn: str
    public_id: str | None
    profile_url: str | None


class PushOut(BaseModel):
    new_contacts: int
    updated_contacts: int
    new_messages: int
    duplicate_messages: int
    backfill: list[BackfillOut]


class AvatarNeededOut(BaseModel):
    contact_id: int
    avatar_url: str


class ProfilesOut(BaseModel):
    updated: int
    avatars_stored: int
    avatars_needed: list[AvatarNeededOut]


class AvatarOut(BaseModel):
    contact_id: int
    stored: bool


class ContactRefOut(BaseModel):
    contact_id: int
    full_name: str


@router.post("/pair", summary="Claim the extension's pairing code")
def pair(
    body: PairIn, request: Request, session: SessionDep, settings: SettingsDep, user: ApiUser
) -> Envelope[PairOut]:
    address = request.client.host if request.client else "unknown"
    found = pairing.claim_code(session, settings, user.id, body.code, address)
    return one(PairOut(paired=True, code=found.code))


_PUSH_SCHEMA = {"content": {"application/json": {"schema": PushIn.model_json_schema()}}}
_PROFILES_SCHEMA = {"content": {"application/json": {"schema": ProfilesIn.model_json_schema()}}}


@router.post(
    "/push",
    summary="Push LinkedIn messages and people",
    dependencies=[Depends(refuse_cookies)],
    openapi_extra={"requestBody": _PUSH_SCHEMA},
)
def push(
    body: Annotated[Any, Body()], session: SessionDep, user: ExtensionUser
) -> Envelope[PushOut]:
    _check_body(body)
    data = parse(PushIn, body)
    result = push_service.push(session, user.id, data)
    return one(
        PushOut(
            new_contacts=result.new_contacts,
            updated_contacts=result.updated_contacts,
            new_messages=result.new_messages,
            duplicate_messages=result.duplicate_messages,
            backfill=[BackfillOut(**vars(item)) for item in result.backfill],
        )
    )


@router.post(
    "/profiles",
    summary="Push fetched LinkedIn profiles (backfill)",
    dependencies=[Depends(refuse_cookies)],
    openapi_extra={"requestBody": _PROFILES_SCHEMA},
)
def push_profiles(
    body: Annotated[Any, Body()], session: SessionDep, settings: SettingsDep, user: ExtensionUser
) -> Envelope[ProfilesOut]:
    _check_body(body)
    data = parse(ProfilesIn, body)
    result = profiles.update_profiles(session, settings, user.id, data)
    return one(
        ProfilesOut(
            updated=result.updated,
            avatars_stored=result.avatars_stored,
            avatars_needed=[
                AvatarNeededOut(contact_id=cid, avatar_url=url) for cid, url in result.needed
            ],
        )
    )


@router.put(
    "/avatars/{contact_id}",
    summary="Upload a contact's avatar fetched by the browser",
    dependencies=[Depends(refuse_cookies)],
    openapi_extra={
        "requestBody": {"content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}
    },
)
def upload_avatar(
    contact_id: int,
    data: RawBody,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: ExtensionUser,
) -> Envelope[AvatarOut]:
    """The raw image the browser fetched (``Content-Type: image/*``)."""
    stored = profiles.store_upload(
        session, settings, user.id, contact_id, data, request.headers.get("content-type", "")
    )
    return one(AvatarOut(contact_id=contact_id, stored=stored))


@router.get("/contact", summary="Find the contact of a LinkedIn member (the P button)")
def find_contact(
    session: SessionDep,
    user: ExtensionUser,
    member_urn: str | None = Query(None, max_length=300),
    public_id: str | None = Query(None, max_length=200),
) -> Envelope[ContactRefOut]:
    contact = service.find_contact(session, user.id, member_urn, public_id)
    return one(ContactRefOut(contact_id=contact.id, full_name=contact.full_name))
