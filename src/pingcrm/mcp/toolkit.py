"""What every MCP tool shares (:class:`ToolKit`): settings, the database, and the caller
resolved from *that call's* key. Tools import this, never the server."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from pingcrm.config import Settings
from pingcrm.db import transaction
from pingcrm.errors import PingError
from pingcrm.mcp.keys import McpCaller, authenticate

log = logging.getLogger("pingcrm.mcp")
T = TypeVar("T")

BAD_KEY = (
    "The MCP key is missing, wrong or revoked. Generate one in PingCRM under Settings → MCP access."
)
READ_ONLY = (
    "This MCP key is read-only. Generate a key with “allow changes” in PingCRM "
    "Settings → MCP access to let AI clients change the CRM."
)


def bearer(headers: Any) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    if not headers:
        return None
    value = headers.get("authorization") or headers.get("Authorization") or ""
    return value[7:].strip() if value.lower().startswith("bearer ") else None


class ToolKit:
    """What the tools share: settings, the database, and how to find the caller."""

    def __init__(
        self,
        settings: Settings,
        session_factory: sessionmaker[Session],
        stdio_key: str | None = None,
    ) -> None:
        self.settings = settings
        self.session_factory = session_factory
        self._stdio_key = stdio_key

    def _key_of(self, ctx: Context[Any, Any] | None) -> str | None:
        headers = None
        if ctx is not None:
            try:
                headers = ctx.headers
            except ValueError:
                headers = None
        return bearer(headers) if headers is not None else self._stdio_key

    def run(
        self,
        ctx: Context[Any, Any] | None,
        action: Callable[[Session, McpCaller], T],
        *,
        write: bool = False,
    ) -> T:
        """Authenticate this call's key, then run ``action`` in one transaction; every
        failure becomes a tool error with a message for the model (never a traceback)."""
        try:
            with transaction(self.session_factory) as session:
                caller = authenticate(session, self.settings, self._key_of(ctx))
                if caller is None:
                    raise ToolError(BAD_KEY)
                if write and not caller.allow_changes:
                    raise ToolError(READ_ONLY)
                return action(session, caller)
        except ToolError:
            raise
        except PingError as exc:
            raise ToolError(exc.message) from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3]
            )
            raise ToolError(f"Invalid arguments: {problems}") from exc
        except Exception as exc:
            log.exception("mcp.tool_failed")
            raise ToolError(
                "PingCRM could not complete this request; the error was logged on the server."
            ) from exc
