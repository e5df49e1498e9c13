"""Serve the fake Google standalone with a seeded mailbox: ``python -m tests.fakes.google``.

Then start PingCRM against it (see README, "Trying Gmail without Google") and click
Settings → Gmail → Connect Gmail → Allow → Sync Email now.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta

import uvicorn

from tests.fakes.google import calendar as fake_calendar
from tests.fakes.google import people as fake_people
from tests.fakes.google.app import build_app
from tests.fakes.google.state import ALL_SCOPES, FakeGoogle


def seeded() -> FakeGoogle:
    """An account ``you@gmail.com`` with a few conversations and an automated sender."""
    google = FakeGoogle()
    me = "you@gmail.com"
    google.add_account(me, aliases=["you@work.example"])
    now = datetime.now(UTC)
    people = [
        ("Grace Hopper", "grace@navy.example", "Compilers", "Shall we meet on Tuesday?"),
        ("Alan Turing", "alan@bletchley.example", "The paper", "I read your draft last night"),
        ("Katherine Johnson", "katherine@nasa.example", "Trajectories", "Numbers attached"),
    ]
    for days, (name, address, subject, snippet) in enumerate(people, start=1):
        thread = google.add_message(
            me,
            sender=f"{name} <{address}>",
            to=[me],
            subject=subject,
            snippet=snippet,
            at=now - timedelta(days=days * 3),
        )
        google.add_message(
            me,
            sender=f"You <{me}>",
            to=[f"{name} <{address}>"],
            subject=f"Re: {subject}",
            snippet="Sounds good, talk soon",
            at=now - timedelta(days=days * 3 - 1),
            labels=["SENT"],
            thread_id=thread,
        )
    google.add_message(
        me,
        sender="Service <noreply@service.example>",
        to=[me],
        subject="Your receipt",
        snippet="Thanks for your order",
        at=now - timedelta(days=1),
    )
    fake_calendar.seed_demo(google, me)  # meetings, one starting in 35 minutes
    fake_people.seed_demo(google, me)  # three Google Contacts
    return google


def bulk(messages: int) -> FakeGoogle:
    """``bench.mailbox@gmail.com`` with ``messages`` messages over the past (a third of
    them sent), the benchmark's mailbox. Every message has its own correspondent address
    (``person{i % 5000}@example{i % 97}.org`` repeats only after 485,000 messages), so a
    first sync also creates one contact per message."""
    google = FakeGoogle()
    me = "bench.mailbox@gmail.com"
    google.add_account(me)
    now = datetime.now(UTC)
    for i in range(messages):
        person = f"Person {i % 5000} <person{i % 5000}@example{i % 97}.org>"
        sent = i % 3 == 0
        google.add_message(
            me,
            sender=me if sent else person,
            to=[person] if sent else [me],
            subject=f"Subject {i}",
            snippet="A short snippet of the message body",
            at=now - timedelta(minutes=5 * i + 1),
            labels=["SENT"] if sent else ["INBOX"],
        )
    return google


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--bulk", type=int, default=0, help="serve the benchmark mailbox")
    parser.add_argument("--quota", type=float, default=0, help="units/s per account (429)")
    args = parser.parse_args()
    google = bulk(args.bulk) if args.bulk else seeded()
    if args.quota:
        google.enforce_quota(args.quota)
    base = f"http://{args.host}:{args.port}"
    if args.bulk:
        # One JSON line for the benchmark: a refresh token of the mailbox's account.
        tokens = google.issue_tokens("bench.mailbox@gmail.com", list(ALL_SCOPES), refresh=True)
        print(json.dumps({"refresh_token": tokens["refresh_token"]}), flush=True)
        sys.stdout.flush()
    print("Fake Google at", base, "- start PingCRM with:")
    for name, value in google.client_settings(base).items():
        print(f"  PINGCRM_{name.upper()}={value}")
    uvicorn.run(build_app(google), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
