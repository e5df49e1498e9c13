"""Backends over the official SDKs. The SDKs retry 429/5xx/overload with exponential
backoff honouring Retry-After; we bound concurrency and set timeouts and retry counts.

Each SDK is imported when its client is first built: they take seconds to import and
most processes (the CLI, a server without a model) never need them.
"""

from __future__ import annotations

import threading

from pingcrm.llm.base import Completion, LLMError, LLMProvider

# All LLM calls of this process share one bound, whatever their backend or user.
_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def _semaphore(limit: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        if limit not in _slots:
            _slots[limit] = threading.BoundedSemaphore(limit)
        return _slots[limit]


class AnthropicClient:
    """Claude through the Messages API."""

    provider = LLMProvider.ANTHROPIC

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str | None,
        timeout: float,
        max_retries: int,
        concurrency: int,
    ) -> None:
        import anthropic

        self.model = model
        # ValueError covers a body that is not JSON; the others a wrong shape.
        self._errors: tuple[type[Exception], ...] = (
            anthropic.APIError,
            ValueError,
            TypeError,
            AttributeError,
        )
        self._sdk = anthropic.Anthropic(
            api_key=api_key, base_url=base_url or None, timeout=timeout, max_retries=max_retries
        )
        self._slots = _semaphore(concurrency)

    def complete(self, *, system: str, prompt: str, max_tokens: int = 400) -> Completion:
        with self._slots:
            try:
                message = self._sdk.messages.create(
                    model=self.model,
                    max_tokens=max_tokens,
                    system=system,
                    messages=[{"role": "user", "content": prompt}],
                )
                text = "".join(
                    getattr(block, "text", "")
                    for block in message.content
                    if getattr(block, "type", "") == "text"
                )
            except self._errors as exc:
                raise LLMError(f"Anthropic: {type(exc).__name__}: {exc}") from exc
        return Completion(text=text, model=message.model or self.model, provider=self.provider)


class OpenAICompatibleClient:
    """Any server speaking OpenAI chat completions (Ollama, llama.cpp, vLLM, OpenAI)."""

    provider = LLMProvider.OPENAI_COMPATIBLE

    def __init__(
        self,
        *,
        api_key: str,
        model: str,
        base_url: str,
        timeout: float,
        max_retries: int,
        concurrency: int,
    ) -> None:
        import openai

        self.model = model
        self._errors: tuple[type[Exception], ...] = (
            openai.APIError,
            ValueError,
            TypeError,
            AttributeError,
        )
        self._sdk = openai.OpenAI(
            # Local servers need no key, but the SDK insists on one.
            api_key=api_key or "not-needed",
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
        )
        self._slots = _semaphore(concurrency)

    def complete(self, *, system: str, prompt: str, max_tokens: int = 400) -> Completion:
        with self._slots:
            try:
                response = self._sdk.chat.completions.create(
                    model=self.model,
                    max_tokens=max_tokens,
                    messages=[
                        {"role": "system", "content": system},
                        {"role": "user", "content": prompt},
                    ],
                )
                if not response.choices:
                    raise LLMError("OpenAI-compatible: the answer had no choices")
                text = response.choices[0].message.content or ""
            except self._errors as exc:
                raise LLMError(f"OpenAI-compatible: {type(exc).__name__}: {exc}") from exc
        return Completion(text=text, model=response.model or self.model, provider=self.provider)
