"""Downloading an avatar from LinkedIn's CDN without becoming an SSRF proxy.

https only; the host (``host`` or ``host:port``) must be on the allowlist
(``PINGCRM_LINKEDIN_AVATAR_HOSTS``); redirects are followed by hand, each hop checked the
same way; the address is resolved when connecting and private, loopback, link-local,
multicast and reserved addresses are refused there (so a DNS answer cannot change between
the check and the connection); the body is read up to the size cap; the content type must
be an image type we re-encode. ``PINGCRM_LINKEDIN_AVATAR_ALLOW_PRIVATE`` (tests only)
lifts the address check for a fake CDN on 127.0.0.1.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore2
import httpx2

from pingcrm.config import Settings

MAX_REDIRECTS = 3
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


class AvatarRefused(Exception):
    """The avatar could not be fetched safely; ``reason`` says why (for logs/tests)."""

    def __init__(self, reason: str, *, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Downloaded:
    content: bytes
    content_type: str
    url: str


def is_public_address(address: str) -> bool:
    """False for private, loopback, link-local, multicast, reserved and unspecified IPs."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


class _CheckedBackend(httpcore2.SyncBackend):
    """Resolves the host itself and connects only to a checked address."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore2.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore2.ConnectError(f"cannot resolve {host}") from exc
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise httpcore2.ConnectError(f"cannot resolve {host}")
        if not self.allow_private and not all(is_public_address(a) for a in addresses):
            raise httpcore2.ConnectError(f"{host} resolves to a private address")
        return super().connect_tcp(
            addresses[0],
            port,
            timeout,
            local_address,
            socket_options,
        )


def _allowed(url: str, hosts: list[str]) -> str | None:
    """Why ``url`` may not be fetched, or None when it may."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "not https"
    if parts.username or parts.password:
        return "credentials in the URL"
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        return "bad port"
    if not host:
        return "no host"
    if port in (None, 443) and host in hosts:
        return None
    if port is not None and f"{host}:{port}" in hosts:
        return None
    return f"host {host} is not on the avatar allowlist"


def _client(settings: Settings) -> httpx2.Client:
    context = ssl.create_default_context()
    if settings.linkedin_avatar_ca_file:
        context.load_verify_locations(settings.linkedin_avatar_ca_file)
    transport = httpx2.HTTPTransport(verify=context, trust_env=False)
    # The pool's network backend does the address check at connection time.
    transport._pool._network_backend = _CheckedBackend(settings.linkedin_avatar_allow_private)
    return httpx2.Client(
        transport=transport,
        timeout=settings.linkedin_avatar_timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        headers={"Accept": "image/webp,image/jpeg,image/png,image/*;q=0.8"},
    )


def download(settings: Settings, url: str) -> Downloaded:
    """The image at ``url`` (≤ the size cap, an image content type); AvatarRefused else."""
    hosts = settings.linkedin_avatar_host_list
    limit = settings.linkedin_avatar_max_bytes
    with _client(settings) as client:
        for _hop in range(MAX_REDIRECTS + 1):
            why = _allowed(url, hosts)
            if why:
                raise AvatarRefused(why)
            try:
                with client.stream("GET", url) as response:
                    if response.status_code in (301, 302, 303, 307, 308):
                        location = response.headers.get("location")
                        if not location:
                            raise AvatarRefused("redirect without a location")
                        url = urljoin(url, location)
                        continue
                    if response.status_code != 200:
                        raise AvatarRefused(
                            f"the CDN answered {response.status_code}",
                            status=response.status_code,
                        )
                    content_type = (
                        response.headers.get("content-type", "").split(";")[0].strip().lower()
                    )
                    if content_type not in IMAGE_TYPES:
                        raise AvatarRefused(f"not an image ({content_type or 'no type'})")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise AvatarRefused("larger than the avatar size cap")
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > limit:
                            raise AvatarRefused("larger than the avatar size cap")
                        chunks.append(chunk)
                    return Downloaded(b"".join(chunks), content_type, url)
            except httpx2.HTTPError as exc:
                raise AvatarRefused(f"could not fetch: {exc}") from exc
    raise AvatarRefused("too many redirects")
