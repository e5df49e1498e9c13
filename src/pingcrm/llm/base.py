"""The LLM interface every feature uses (drafts, talking points, tag discovery)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol


class LLMProvider(enum.StrEnum):
    NONE = "none"
    ANTHROPIC = "anthropic"
    OPENAI_COMPATIBLE = "openai"


@dataclass(frozen=True)
class Completion:
    """What a model answered, and which model it was."""

    text: str
    model: str
    provider: LLMProvider


class LLMError(Exception):
    """The model could not answer (after the SDK's retries); callers fall back to templates."""


class LLMClient(Protocol):
    """A chat model behind one method."""

    provider: LLMProvider
    model: str

    def complete(self, *, system: str, prompt: str, max_tokens: int = 400) -> Completion:
        """Answer ``prompt`` under the ``system`` instructions, or raise :class:`LLMError`."""
        ...
