"""Choosing a user's model, saving their AI settings, and testing the connection."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from sqlalchemy.orm import Session

from pingcrm.config import Settings
from pingcrm.errors import ValidationFailed
from pingcrm.kit.crypto import SecretBox
from pingcrm.llm.backends import AnthropicClient, OpenAICompatibleClient
from pingcrm.llm.base import LLMClient, LLMError, LLMProvider
from pingcrm.models import UserSettings


@dataclass(frozen=True)
class AISettingsView:
    """What Settings → AI shows: never the key itself."""

    provider: LLMProvider
    model: str
    base_url: str
    has_key: bool


def _user_settings(session: Session, user_id: int) -> UserSettings:
    row = session.get(UserSettings, user_id)
    if row is None:
        row = UserSettings(user_id=user_id)
        session.add(row)
        session.flush()
    return row


def ai_settings(session: Session, user_id: int) -> AISettingsView:
    """The user's AI choices, key redacted."""
    row = _user_settings(session, user_id)
    return AISettingsView(
        provider=LLMProvider(row.ai_provider),
        model=row.ai_model,
        base_url=row.ai_base_url,
        has_key=bool(row.ai_api_key_encrypted),
    )


def save_ai_settings(
    session: Session,
    settings: Settings,
    user_id: int,
    *,
    provider: str,
    model: str,
    base_url: str,
    api_key: str | None,
) -> AISettingsView:
    """Validate and store the AI choices; ``api_key=None`` keeps the stored key,
    an empty string removes it."""
    try:
        chosen = LLMProvider(provider)
    except ValueError as exc:
        raise ValidationFailed(
            "Choose None, Anthropic or an OpenAI-compatible server.", details={"field": "provider"}
        ) from exc
    model = model.strip()
    base_url = base_url.strip()
    if len(model) > 200:
        raise ValidationFailed("The model name is too long.", details={"field": "model"})
    if chosen is LLMProvider.OPENAI_COMPATIBLE:
        parsed = urlparse(base_url)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ValidationFailed(
                "Enter the server's base URL, e.g. http://127.0.0.1:11434/v1 for Ollama.",
                details={"field": "base_url"},
            )
    elif base_url:
        parsed = urlparse(base_url)
        if parsed.scheme not in {"http", "https"} or not parsed.netloc:
            raise ValidationFailed(
                "The base URL must start with http:// or https://.", details={"field": "base_url"}
            )
    row = _user_settings(session, user_id)
    row.ai_provider = chosen.value
    row.ai_model = model
    row.ai_base_url = base_url
    if api_key is not None:
        key = api_key.strip()
        if len(key) > 500:
            raise ValidationFailed("The API key is too long.", details={"field": "api_key"})
        row.ai_api_key_encrypted = SecretBox(settings.fernet_keys).encrypt(key) if key else None
    if chosen is LLMProvider.ANTHROPIC and not row.ai_api_key_encrypted:
        raise ValidationFailed("Anthropic needs an API key.", details={"field": "api_key"})
    session.flush()
    return ai_settings(session, user_id)


def client_for_user(session: Session, settings: Settings, user_id: int) -> LLMClient | None:
    """The user's model client, or None when they chose templates (no AI)."""
    row = _user_settings(session, user_id)
    provider = LLMProvider(row.ai_provider)
    if provider is LLMProvider.NONE:
        return None
    key = (
        SecretBox(settings.fernet_keys).decrypt(row.ai_api_key_encrypted)
        if (row.ai_api_key_encrypted)
        else ""
    )
    limits = (settings.llm_timeout_seconds, settings.llm_max_retries, settings.llm_max_concurrency)
    if provider is LLMProvider.ANTHROPIC:
        return AnthropicClient(
            api_key=key,
            model=row.ai_model or settings.anthropic_default_model,
            base_url=row.ai_base_url or settings.anthropic_base_url,
            timeout=limits[0],
            max_retries=limits[1],
            concurrency=limits[2],
        )
    return OpenAICompatibleClient(
        api_key=key,
        model=row.ai_model or settings.openai_default_model,
        base_url=row.ai_base_url,
        timeout=limits[0],
        max_retries=limits[1],
        concurrency=limits[2],
    )


def check_connection(session: Session, settings: Settings, user_id: int) -> str:
    """Ask the configured model for a one-word answer; a message for the Test button."""
    client = client_for_user(session, settings, user_id)
    if client is None:
        return "No AI provider chosen: drafts and talking points use templates."
    try:
        answer = client.complete(
            system="Reply with the single word: ready.", prompt="Ready?", max_tokens=10
        )
    except LLMError as exc:
        raise ValidationFailed(
            f"The model did not answer: {exc}", details={"field": "provider"}
        ) from exc
    return f"Connected to {answer.model}: it answered “{answer.text.strip()[:40]}”."
