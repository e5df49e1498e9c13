"""Serve the fake Google standalone with a seeded mailbox: ``python -m tests.fakes.google``.

Then start PingCRM against it (see README, "Trying Gmail without Google") and click
Settings → Gmail → Connect Gmail → Allow → Sync Email now.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import uvicorn

from tests.fakes.google import calendar as fake_calendar
from tests.fakes.google import people as fake_people
from tests.fakes.google.app import build_app
from tests.fakes.google.state import FakeGoogle


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    args = parser.parse_args()
    google = seeded()
    base = f"http://{args.host}:{args.port}"
    print("Fake Google at", base, "- start PingCRM with:")
    for name, value in google.client_settings(base).items():
        print(f"  PINGCRM_{name.upper()}={value}")
    uvicorn.run(build_app(google), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
