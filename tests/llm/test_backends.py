"""The Anthropic and OpenAI-compatible backends against protocol fakes over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pingcrm.llm.backends import AnthropicClient, OpenAICompatibleClient
from pingcrm.llm.base import LLMError, LLMProvider
from tests.fakes.llm import FakeLLMState, anthropic_app, openai_app
from tests.fakes.server import serve_asgi


@pytest.fixture
def state() -> FakeLLMState:
    return FakeLLMState(api_key="sk-test")


@pytest.fixture
def anthropic_url(state: FakeLLMState) -> Iterator[str]:
    with serve_asgi(anthropic_app(state)) as url:
        yield url


@pytest.fixture
def openai_url(state: FakeLLMState) -> Iterator[str]:
    with serve_asgi(openai_app(state)) as url:
        yield url + "/v1"


def claude(url: str, retries: int = 2) -> AnthropicClient:
    return AnthropicClient(
        api_key="sk-test",
        model="claude-haiku-4-5",
        base_url=url,
        timeout=5,
        max_retries=retries,
        concurrency=2,
    )


def test_anthropic_answer_and_request_shape(state: FakeLLMState, anthropic_url: str) -> None:
    state.answer("Hello Ada, congrats on the new role!")
    result = claude(anthropic_url).complete(system="Be brief.", prompt="Draft a note")
    assert result.text == "Hello Ada, congrats on the new role!"
    assert result.model == "claude-haiku-4-5"
    assert result.provider is LLMProvider.ANTHROPIC
    sent = state.requests[0]
    assert sent["system"] == "Be brief."
    assert sent["messages"] == [{"role": "user", "content": "Draft a note"}]


def test_anthropic_rate_limit_and_overload_are_retried(
    state: FakeLLMState, anthropic_url: str
) -> None:
    state.fail(429)
    state.fail(529)
    state.answer("Finally.")
    assert claude(anthropic_url).complete(system="s", prompt="p").text == "Finally."
    assert len(state.requests) == 3


def test_anthropic_persistent_overload_is_an_llm_error(
    state: FakeLLMState, anthropic_url: str
) -> None:
    for _ in range(3):
        state.fail(529)
    with pytest.raises(LLMError, match="Anthropic"):
        claude(anthropic_url).complete(system="s", prompt="p")
    assert len(state.requests) == 3


def test_anthropic_wrong_key_is_an_llm_error(anthropic_url: str) -> None:
    client = AnthropicClient(
        api_key="wrong", model="m", base_url=anthropic_url, timeout=5, max_retries=0, concurrency=1
    )
    with pytest.raises(LLMError):
        client.complete(system="s", prompt="p")


def test_anthropic_malformed_body_is_an_llm_error(state: FakeLLMState, anthropic_url: str) -> None:
    state.malformed("<html>gateway</html>")
    with pytest.raises(LLMError):
        claude(anthropic_url, retries=0).complete(system="s", prompt="p")


def test_openai_compatible_answer_and_retry(state: FakeLLMState, openai_url: str) -> None:
    state.fail(429)
    state.answer("Hey Bob!")
    client = OpenAICompatibleClient(
        api_key="", model="llama3.2", base_url=openai_url, timeout=5, max_retries=2, concurrency=2
    )
    result = client.complete(system="Be brief.", prompt="Draft")
    assert result.text == "Hey Bob!"
    assert result.provider is LLMProvider.OPENAI_COMPATIBLE
    assert state.requests[-1]["messages"][0] == {"role": "system", "content": "Be brief."}


def test_openai_malformed_body_is_an_llm_error(state: FakeLLMState, openai_url: str) -> None:
    state.malformed('{"unexpected": true}')
    client = OpenAICompatibleClient(
        api_key="", model="m", base_url=openai_url, timeout=5, max_retries=0, concurrency=1
    )
    with pytest.raises(LLMError):
        client.complete(system="s", prompt="p")
