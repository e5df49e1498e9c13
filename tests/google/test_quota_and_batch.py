"""The quota token bucket (simulated clock, no sleeping), the batch answer parser, and
token refreshes on worker threads."""

from __future__ import annotations

import threading
from typing import Any

import httpx2

from pingcrm.config import Settings
from pingcrm.google.client import GoogleClient, parse_batch_response
from pingcrm.google.quota import TokenBucket, batch_size


class SimClock:
    """A monotonic clock that only moves when the bucket sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_the_bucket_never_spends_more_than_its_rate_after_the_burst() -> None:
    clock = SimClock()
    bucket = TokenBucket(250, 125, monotonic=clock.monotonic, sleep=clock.sleep)

    for _ in range(200):  # 200 calls of 5 units = 1,000 units
        bucket.acquire(5)

    # 125 units of burst, then 875 units at 250/s.
    assert abs(clock.now - 875 / 250) < 0.05


def test_a_call_larger_than_the_burst_waits_for_a_full_bucket_then_goes_into_debt() -> None:
    clock = SimClock()
    bucket = TokenBucket(100, 50, monotonic=clock.monotonic, sleep=clock.sleep)
    bucket.acquire(50)
    bucket.acquire(200)  # waits 0.5 s for a full bucket, leaves -150
    assert abs(clock.now - 0.5) < 0.01
    bucket.acquire(1)  # pays the debt back first: 1.51 s more
    assert abs(clock.now - 2.01) < 0.01


def test_batches_fit_in_one_burst_at_most_100_calls() -> None:
    assert batch_size(250, 5) == 25
    assert batch_size(1e9, 5) == 100


def test_batch_answers_are_matched_by_content_id_with_their_status() -> None:
    body = (
        b"--batch_x\r\nContent-Type: application/http\r\nContent-ID: <response-item1>\r\n\r\n"
        b"HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n"
        b'{"error": {"code": 404, "errors": [{"reason": "notFound"}]}}\r\n'
        b"--batch_x\r\nContent-Type: application/http\r\nContent-ID: <response-item0>\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"
        b'{"id": "abc"}\r\n'
        b"--batch_x--\r\n"
    )

    parts = dict(parse_batch_response("multipart/mixed; boundary=batch_x", body))

    assert parts["response-item0"].status == 200
    assert parts["response-item0"].body == {"id": "abc"}
    assert parts["response-item1"].status == 404
    assert parts["response-item1"].reason == "notFound"


def test_tokens_refreshed_on_a_worker_thread_are_saved_by_the_owner_thread(
    settings: Settings,
) -> None:
    saved: list[dict[str, Any]] = []

    def token_endpoint(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            200, json={"access_token": "fresh", "expires_in": 3600, "scope": "email"}
        )

    http = httpx2.Client(transport=httpx2.MockTransport(token_endpoint))
    client = GoogleClient(settings, {"refresh_token": "r"}, saved.append, http=http)
    worker = threading.Thread(target=client.access_token)
    worker.start()
    worker.join()

    assert client.credentials["access_token"] == "fresh"
    assert saved == []  # not from the worker thread
    client.flush_pending_credentials()
    assert [c["access_token"] for c in saved] == ["fresh"]
    assert saved[0]["refresh_token"] == "r"
