"""Fakes of the Anthropic Messages API and the OpenAI chat-completions API.

They speak the documented wire format (request validation, success bodies, error bodies
with their status codes and ``retry-after`` headers) so the official SDKs run unchanged
against them. A test scripts the answers with :class:`FakeLLMState`.

Run standalone: ``python -m tests.fakes.llm`` (Anthropic at /v1/messages and OpenAI at
/v1/chat/completions on http://127.0.0.1:8091), answering every call with a fixed text.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

_ids = itertools.count(1)

ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass
class Scripted:
    """One scripted answer: a text, an HTTP error, or a raw (malformed) body."""

    text: str | None = None
    status: int = 200
    retry_after_ms: int | None = None
    raw_body: str | None = None


@dataclass
class FakeLLMState:
    """What the fake answers next (FIFO), and every request it received."""

    answers: deque[Scripted] = field(default_factory=deque)
    default_text: str = "Hi! It has been a while. How are you doing?"
    requests: list[dict[str, Any]] = field(default_factory=list)
    api_key: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, text: str) -> None:
        """Queue a successful answer with ``text``."""
        self.answers.append(Scripted(text=text))

    def fail(self, status: int, *, retry_after_ms: int | None = 10) -> None:
        """Queue an error response (429 rate limit, 529 overload, 500, …) carrying
        ``retry-after`` (seconds, rounded up) and ``retry-after-ms`` headers."""
        self.answers.append(Scripted(status=status, retry_after_ms=retry_after_ms))

    def malformed(self, body: str) -> None:
        """Queue a 200 whose body is not what the API documents."""
        self.answers.append(Scripted(raw_body=body))

    def _next(self, payload: dict[str, Any]) -> Scripted:
        with self.lock:
            self.requests.append(payload)
            return self.answers.popleft() if self.answers else Scripted(text=self.default_text)


def _retry_headers(retry_after_ms: int | None) -> dict[str, str]:
    if retry_after_ms is None:
        return {}
    return {
        "retry-after": str(max(1, -(-retry_after_ms // 1000))),
        "retry-after-ms": str(retry_after_ms),
    }


def _anthropic_error(status: int, retry_after_ms: int | None) -> Response:
    kind = ANTHROPIC_ERRORS.get(status, "api_error")
    headers = _retry_headers(retry_after_ms)
    return JSONResponse(
        {"type": "error", "error": {"type": kind, "message": kind}},
        status_code=status,
        headers=headers,
    )


def anthropic_app(state: FakeLLMState) -> Starlette:
    """``POST /v1/messages`` as documented for the Messages API."""

    async def messages(request: Request) -> Response:
        sent_key = request.headers.get("x-api-key") or request.headers.get(
            "authorization", ""
        ).removeprefix("Bearer ")
        if state.api_key is not None and sent_key != state.api_key:
            return _anthropic_error(401, None)
        if not request.headers.get("anthropic-version"):
            return _anthropic_error(400, None)
        payload = await request.json()
        if not payload.get("model") or not payload.get("messages") or not payload.get("max_tokens"):
            return _anthropic_error(400, None)
        scripted = state._next(payload)
        if scripted.raw_body is not None:
            return PlainTextResponse(scripted.raw_body, media_type="application/json")
        if scripted.status != 200:
            return _anthropic_error(scripted.status, scripted.retry_after_ms)
        return JSONResponse(
            {
                "id": f"msg_fake{next(_ids)}",
                "type": "message",
                "role": "assistant",
                "model": payload["model"],
                "content": [{"type": "text", "text": scripted.text}],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": 10, "output_tokens": 20},
            }
        )

    return Starlette(routes=[Route("/v1/messages", messages, methods=["POST"])])


def _openai_error(status: int, retry_after_ms: int | None) -> Response:
    headers = _retry_headers(retry_after_ms)
    code = {429: "rate_limit_exceeded", 401: "invalid_api_key"}.get(status, "server_error")
    return JSONResponse(
        {"error": {"message": code, "type": code, "param": None, "code": code}},
        status_code=status,
        headers=headers,
    )


def openai_app(state: FakeLLMState) -> Starlette:
    """``POST /v1/chat/completions`` as documented for chat completions."""

    async def completions(request: Request) -> Response:
        payload = await request.json()
        if not payload.get("model") or not payload.get("messages"):
            return _openai_error(400, None)
        scripted = state._next(payload)
        if scripted.raw_body is not None:
            return PlainTextResponse(scripted.raw_body, media_type="application/json")
        if scripted.status != 200:
            return _openai_error(scripted.status, scripted.retry_after_ms)
        return JSONResponse(
            {
                "id": f"chatcmpl-{next(_ids)}",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": payload["model"],
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": scripted.text},
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 20, "total_tokens": 30},
            }
        )

    return Starlette(routes=[Route("/v1/chat/completions", completions, methods=["POST"])])


def combined_app(state: FakeLLMState) -> Starlette:
    """Both APIs on one server (handy for manual clicking)."""
    return Starlette(routes=[*anthropic_app(state).routes, *openai_app(state).routes])


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(combined_app(FakeLLMState()), host="127.0.0.1", port=8091)
