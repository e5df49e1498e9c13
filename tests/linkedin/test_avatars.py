"""Avatar downloads against a fake LinkedIn CDN over https: allowlist, redirects, private
addresses, size and type; storing, serving to the owner only, the browser-bytes upload."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from pingcrm.config import Settings, load_settings
from pingcrm.contacts import avatars
from pingcrm.kit.clock import FrozenClock, use_clock
from pingcrm.linkedin.avatar_fetch import AvatarRefused, download, is_public_address
from pingcrm.models import Contact, User
from tests.fakes.linkedin_cdn import FakeCdn, image_bytes, serve_cdn
from tests.fixtures.builders import create_user, login
from tests.linkedin.helpers import contact, pair_extension


@pytest.fixture(scope="module")
def cdn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeCdn]:
    with serve_cdn(tmp_path_factory.mktemp("cdn"), big=3_100_000) as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, database_url: str, cdn: FakeCdn) -> Settings:
    """The test settings, with the fake CDN on the allowlist (and its certificate)."""
    return load_settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        secret_key="test-secret-key-" + "x" * 32,
        encryption_keys="u1yI1C7l8m3rhSn6bxk6mQ6jU6QlfvI9ovwlN8QZ2pA=",
        mcp_hmac_secret="test-mcp-secret-" + "y" * 32,
        linkedin_avatar_hosts=f"media.licdn.com,{cdn.host}",
        linkedin_avatar_ca_file=str(cdn.ca_file),
        linkedin_avatar_allow_private=True,
    )


def _refused(settings: Settings, url: str) -> AvatarRefused:
    with pytest.raises(AvatarRefused) as caught:
        download(settings, url)
    return caught.value


def test_an_allowed_image_is_downloaded_and_reencoded(settings: Settings, cdn: FakeCdn) -> None:
    got = download(settings, f"{cdn.base}/dms/image/photo.jpg")
    assert got.content_type == "image/jpeg"
    jpeg = avatars.reencode(got.content, got.content_type)
    assert jpeg.startswith(b"\xff\xd8\xff")
    import io

    from PIL import Image

    with Image.open(io.BytesIO(jpeg)) as image:
        assert image.format == "JPEG"
        assert max(image.size) == 400  # 800×600 bounded to 400 px
    png = download(settings, f"{cdn.base}/dms/image/photo.png")
    assert avatars.reencode(png.content, png.content_type).startswith(b"\xff\xd8\xff")


def test_redirects_are_followed_only_on_the_allowlist(settings: Settings, cdn: FakeCdn) -> None:
    moved = download(settings, f"{cdn.base}/dms/image/moved.jpg")
    assert moved.url.endswith("/dms/image/photo.jpg")
    assert (
        "not on the avatar allowlist"
        in _refused(settings, f"{cdn.base}/dms/image/elsewhere.jpg").reason
    )
    assert (
        "not on the avatar allowlist"
        in _refused(settings, f"{cdn.base}/dms/image/to-ip.jpg").reason
    )
    assert _refused(settings, f"{cdn.base}/dms/image/loop.jpg").reason == "too many redirects"


def test_only_https_urls_of_allowed_hosts_are_fetched(settings: Settings, cdn: FakeCdn) -> None:
    before = len(cdn.hits)
    port = cdn.host.split(":")[1]
    assert _refused(settings, f"http://{cdn.host}/dms/image/photo.jpg").reason == "not https"
    for url in (
        f"https://127.0.0.1:{port}/dms/image/photo.jpg",
        "https://evil.example.com/photo.jpg",
        "https://media.licdn.com.evil.example.com/photo.jpg",
        f"https://localhost:{int(port) + 1}/photo.jpg",
    ):
        assert "allowlist" in _refused(settings, url).reason
    assert (
        _refused(settings, f"https://user:pw@{cdn.host}/x.jpg").reason == "credentials in the URL"
    )
    assert len(cdn.hits) == before  # none of them reached the network


def test_private_addresses_are_refused_unless_the_test_override_is_on(
    settings: Settings, cdn: FakeCdn
) -> None:
    strict = settings.model_copy(update={"linkedin_avatar_allow_private": False})
    before = len(cdn.hits)
    assert "private address" in _refused(strict, f"{cdn.base}/dms/image/photo.jpg").reason
    assert len(cdn.hits) == before
    for address in (
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",  # noqa: S104
    ):
        assert not is_public_address(address), address
    assert is_public_address("13.107.42.14")
    assert Settings.model_fields["linkedin_avatar_allow_private"].default is False


def test_size_type_and_content_are_checked(settings: Settings, cdn: FakeCdn) -> None:
    assert _refused(settings, f"{cdn.base}/dms/image/forbidden.jpg").status == 403
    assert "size cap" in _refused(settings, f"{cdn.base}/dms/image/huge.jpg").reason
    assert "not an image" in _refused(settings, f"{cdn.base}/dms/image/page.jpg").reason
    liar = download(settings, f"{cdn.base}/dms/image/liar.jpg")
    with pytest.raises(avatars.UnsupportedImage):
        avatars.reencode(liar.content, liar.content_type)
    garbage = download(settings, f"{cdn.base}/dms/image/garbage.jpg")
    with pytest.raises(avatars.UnsupportedImage):
        avatars.reencode(garbage.content, garbage.content_type)


@pytest.fixture
def ada(session: Session) -> User:
    return create_user(session)


def test_profiles_store_avatars_and_list_the_ones_the_cdn_refused(
    client: TestClient, session: Session, settings: Settings, cdn: FakeCdn, ada: User
) -> None:
    with use_clock(FrozenClock(datetime(2026, 12, 1, tzinfo=UTC))):
        extension = pair_extension(client)
    people = [contact("ACoAAA1"), contact("ACoAAB2", "Charles", "Babbage")]
    client.post("/api/v1/linkedin/push", json={"contacts": people}, headers=extension)
    ids = {c.full_name: c.id for c in session.execute(select(Contact)).scalars()}
    body = {
        "profiles": [
            {
                "member_urn": people[0]["member_urn"],
                "avatar_url": f"{cdn.base}/dms/image/photo.jpg",
            },
            {
                "member_urn": people[1]["member_urn"],
                "avatar_url": f"{cdn.base}/dms/image/forbidden.jpg",
            },
        ]
    }
    answer = client.post("/api/v1/linkedin/profiles", json=body, headers=extension)
    assert answer.status_code == 200, answer.text
    assert answer.json()["data"] == {
        "updated": 0,
        "avatars_stored": 1,
        "avatars_needed": [
            {
                "contact_id": ids["Charles Babbage"],
                "avatar_url": f"{cdn.base}/dms/image/forbidden.jpg",
            }
        ],
    }
    path = avatars.avatar_path(settings, ada.id, ids["Ada Lovelace"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    session.expire_all()
    stored = session.get(Contact, ids["Ada Lovelace"])
    assert stored is not None
    assert stored.avatar_url is not None
    assert stored.avatar_url.startswith(f"/contacts/{stored.id}/avatar?v=")
    # The browser-bytes fallback for the one the CDN refused.
    upload = client.put(
        f"/api/v1/linkedin/avatars/{ids['Charles Babbage']}",
        content=image_bytes("PNG", (500, 500)),
        headers={**extension, "Content-Type": "image/png"},
    )
    assert upload.status_code == 200, upload.text
    assert upload.json()["data"] == {"contact_id": ids["Charles Babbage"], "stored": True}
    bad = client.put(
        f"/api/v1/linkedin/avatars/{ids['Charles Babbage']}",
        content=b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        headers={**extension, "Content-Type": "image/svg+xml"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "unsupported_image"
    lying = client.put(
        f"/api/v1/linkedin/avatars/{ids['Charles Babbage']}",
        content=image_bytes("PNG", (10, 10)),
        headers={**extension, "Content-Type": "image/jpeg"},
    )
    assert lying.status_code == 422
    too_big = client.put(
        f"/api/v1/linkedin/avatars/{ids['Charles Babbage']}",
        content=b"\xff\xd8\xff" + b"\0" * 3_100_000,
        headers={**extension, "Content-Type": "image/jpeg"},
    )
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "payload_too_large"
    # Served to the owner only.
    login(client)
    served = client.get(f"/contacts/{ids['Ada Lovelace']}/avatar")
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.content == path.read_bytes()
    create_user(session, "bob@example.com")
    client.cookies.clear()
    login(client, "bob@example.com")
    assert client.get(f"/contacts/{ids['Ada Lovelace']}/avatar").status_code == 404
