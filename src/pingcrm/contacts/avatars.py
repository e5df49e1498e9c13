"""Contact avatars, whichever provider brought them (LinkedIn, Telegram): check an image's
bytes, re-encode it to a bounded JPEG, store it (mode 0600) under
``<data dir>/avatars/<user id>/<contact id>.jpg``; only the owner's page route serves it
(``/contacts/{id}/avatar``)."""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from pingcrm.config import Settings
from pingcrm.errors import PingError

SIDE = 400
MAX_PIXELS = 40_000_000
# What a declared content type must turn out to be (Pillow's format names).
FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "GIF"}
# Magic numbers, checked before Pillow parses anything.
MAGIC = {
    "JPEG": (b"\xff\xd8\xff",),
    "PNG": (b"\x89PNG\r\n\x1a\n",),
    "GIF": (b"GIF87a", b"GIF89a"),
}


class UnsupportedImage(PingError):
    status_code = 422
    code = "unsupported_image"


def _magic_ok(data: bytes, fmt: str) -> bool:
    if fmt == "WEBP":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    return any(data.startswith(m) for m in MAGIC[fmt])


def sniff(data: bytes) -> str | None:
    """The content type the magic number of ``data`` names (JPEG, PNG, WebP, GIF)."""
    for content_type, fmt in FORMATS.items():
        if _magic_ok(data, fmt):
            return content_type
    return None


def reencode(data: bytes, content_type: str) -> bytes:
    """A JPEG of at most 400×400 from ``data``; UnsupportedImage when it is not an image
    of the declared type (a JPEG, PNG, WebP or GIF)."""
    fmt = FORMATS.get(content_type.split(";")[0].strip().lower())
    if fmt is None:
        raise UnsupportedImage("Send a JPEG, PNG, WebP or GIF image.")
    if not _magic_ok(data, fmt):
        raise UnsupportedImage(f"The bytes are not a {fmt} image.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise UnsupportedImage("The image is too large.")
                image.draft("RGB", (SIDE, SIDE))
                image.seek(0)
                picture = image.convert("RGB")
        picture.thumbnail((SIDE, SIDE))
        out = io.BytesIO()
        picture.save(out, format="JPEG", quality=85, optimize=True)
        return out.getvalue()
    except UnsupportedImage:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        SyntaxError,
    ) as exc:
        raise UnsupportedImage("The image could not be read.") from exc


def avatars_root(settings: Settings) -> Path:
    """The folder holding every user's avatar folder."""
    return settings.data_dir / "avatars"


def avatar_path(settings: Settings, user_id: int, contact_id: int) -> Path:
    """Where the avatar of ``contact_id`` is stored."""
    return avatars_root(settings) / str(int(user_id)) / f"{int(contact_id)}.jpg"


def stored_files(folder: Path) -> dict[int, Path]:
    """The avatar files of one user's folder, by contact id."""
    return {
        int(path.stem): path
        for path in folder.glob("*.jpg")
        if path.stem.isdigit() and path.is_file()
    }


def store(settings: Settings, user_id: int, contact_id: int, jpeg: bytes) -> str:
    """Write the avatar (0600, atomically); returns the URL the pages use."""
    path = avatar_path(settings, user_id, contact_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(jpeg)
    os.replace(temporary, path)
    version = hashlib.sha256(jpeg).hexdigest()[:12]
    return f"/contacts/{int(contact_id)}/avatar?v={version}"


def exists(settings: Settings, user_id: int, contact_id: int) -> bool:
    """Whether the contact has a stored avatar."""
    return avatar_path(settings, user_id, contact_id).is_file()


def read(settings: Settings, user_id: int, contact_id: int) -> bytes | None:
    """The stored JPEG; None when there is none."""
    path = avatar_path(settings, user_id, contact_id)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
