"""A fake LinkedIn media CDN over https (self-signed certificate) on 127.0.0.1.

It answers like media.licdn.com does for the avatar downloader's cases: an image, a
redirect (on and off the allowlist), 403 to servers, an oversized image, HTML, and bytes
that lie about their type.
"""

from __future__ import annotations

import datetime
import io
import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tests.fakes.server import STARTUP_TIMEOUT_S, ThreadedServer


def image_bytes(fmt: str = "JPEG", size: tuple[int, int] = (800, 600)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 60)).save(out, format=fmt)
    return out.getvalue()


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for localhost / 127.0.0.1 and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cdn.pem", directory / "cdn.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class FakeCdn:
    base: str  # https://localhost:<port>
    host: str  # localhost:<port>
    ca_file: Path
    hits: list[str]


def _app(hits: list[str], big: int) -> Starlette:
    jpeg, png = image_bytes(), image_bytes("PNG", (64, 64))

    def record(request: Request) -> None:
        hits.append(request.url.path)

    async def photo(request: Request) -> Response:
        record(request)
        return Response(jpeg, media_type="image/jpeg")

    async def png_photo(request: Request) -> Response:
        record(request)
        return Response(png, media_type="image/png")

    async def forbidden(request: Request) -> Response:
        record(request)
        return Response("Forbidden", status_code=403, media_type="text/plain")

    async def redirect_on(request: Request) -> Response:
        record(request)
        return RedirectResponse("/dms/image/photo.jpg", status_code=302)

    async def redirect_off(request: Request) -> Response:
        record(request)
        return RedirectResponse("https://evil.example.com/photo.jpg", status_code=302)

    async def redirect_ip(request: Request) -> Response:
        record(request)
        port = request.url.port
        return RedirectResponse(f"https://127.0.0.1:{port}/dms/image/photo.jpg", status_code=302)

    async def redirect_loop(request: Request) -> Response:
        record(request)
        return RedirectResponse("/dms/image/loop.jpg", status_code=302)

    async def huge(request: Request) -> Response:
        record(request)
        return Response(b"\xff\xd8\xff" + b"\0" * big, media_type="image/jpeg")

    async def html(request: Request) -> Response:
        record(request)
        return Response("<html>hello</html>", media_type="text/html")

    async def liar(request: Request) -> Response:
        record(request)
        return Response(png, media_type="image/jpeg")

    async def garbage(request: Request) -> Response:
        record(request)
        return Response(b"\xff\xd8\xff" + b"not really a jpeg" * 10, media_type="image/jpeg")

    return Starlette(
        routes=[
            Route("/dms/image/photo.jpg", photo),
            Route("/dms/image/photo.png", png_photo),
            Route("/dms/image/forbidden.jpg", forbidden),
            Route("/dms/image/moved.jpg", redirect_on),
            Route("/dms/image/elsewhere.jpg", redirect_off),
            Route("/dms/image/to-ip.jpg", redirect_ip),
            Route("/dms/image/loop.jpg", redirect_loop),
            Route("/dms/image/huge.jpg", huge),
            Route("/dms/image/page.jpg", html),
            Route("/dms/image/liar.jpg", liar),
            Route("/dms/image/garbage.jpg", garbage),
        ]
    )


@contextmanager
def serve_cdn(directory: Path, *, big: int = 4_000_000) -> Iterator[FakeCdn]:
    """Run the fake CDN over https on 127.0.0.1 (as ``localhost``) for the block."""
    cert, key = self_signed(directory)
    hits: list[str] = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        _app(hits, big),
        log_level="warning",
        lifespan="off",
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
    )
    server = ThreadedServer(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    if not server.ready.wait(STARTUP_TIMEOUT_S):
        server.should_exit = True
        raise RuntimeError("the fake CDN did not start")
    try:
        yield FakeCdn(
            base=f"https://localhost:{port}", host=f"localhost:{port}", ca_file=cert, hits=hits
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
