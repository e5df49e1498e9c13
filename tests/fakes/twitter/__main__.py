"""Serve the fake X standalone: ``python -m tests.fakes.twitter``.

Then start PingCRM with the printed settings and click Settings → Twitter / X →
Connect X → Authorize app → Sync DMs now / Sync Mentions now.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

import uvicorn

from tests.fakes.twitter.app import build_app
from tests.fakes.twitter.state import FakeX, iso

ME = "1000"


def seeded() -> FakeX:
    """``@you`` with a few DM conversations (one group) and mentions."""
    x = FakeX()
    x.add_user(ME, "you", "You", "Building things.")
    x.consent_user = ME
    people = [
        ("2001", "gracehopper", "Grace Hopper", "Rear admiral. Compilers."),
        ("2002", "alanturing", "Alan Turing", "Mathematician at Bletchley Park"),
        ("2003", "kjohnson", "Katherine Johnson", "Trajectories at NASA"),
    ]
    now = datetime.now(UTC)
    for n, (uid, handle, name, bio) in enumerate(people, start=1):
        x.add_user(uid, handle, name, bio)
        x.add_dm(ME, uid, f"Hi! Long time, {name.split()[0]} here", now - timedelta(days=n * 2))
        x.add_dm(ME, ME, "Great to hear from you", now - timedelta(days=n * 2 - 1), to=uid)
        x.add_mention(ME, uid, f"@you thanks for the talk, {handle}", now - timedelta(days=n))
    x.add_dm(ME, ME, "Shall we all meet?", now - timedelta(hours=5), group=[ME, "2001", "2002"])
    return x


def bulk(dms: int, mentions: int, people: int = 5000) -> FakeX:
    """``@bench`` with ``dms`` DM events and ``mentions`` mentions from ``people`` users
    (a third of the DMs sent): the benchmark's account."""
    x = FakeX()
    x.add_user(ME, "bench", "Bench")
    x.consent_user = ME
    for p in range(people):
        x.add_user(str(10_000 + p), f"person{p}", f"Person {p}", f"Bio of person {p}")
    now = datetime.now(UTC)
    events = []
    for i in range(dms):
        other = str(10_000 + i % people)
        at = now - timedelta(seconds=40 * i + 1)
        sent = i % 3 == 0
        a, b = sorted([ME, other], key=int)
        events.append(
            {
                "id": x.snowflake(at),
                "event_type": "MessageCreate",
                "text": f"Message {i}",
                "sender_id": ME if sent else other,
                "dm_conversation_id": f"{a}-{b}",
                "created_at": iso(at),
            }
        )
    x.bulk_dms(ME, events)
    tweets = []
    for i in range(mentions):
        author = str(10_000 + (i * 7) % people)
        at = now - timedelta(seconds=200 * i + 1)
        tid = x.snowflake(at)
        tweets.append(
            {
                "id": tid,
                "text": f"@bench mention {i}",
                "author_id": author,
                "created_at": iso(at),
                "conversation_id": tid,
                "edit_history_tweet_ids": [tid],
            }
        )
    x.bulk_mentions(ME, tweets)
    return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--forbid-dms", action="store_true", help="answer DMs with 403")
    parser.add_argument("--bulk-dms", type=int, default=0, help="serve the benchmark account")
    parser.add_argument("--bulk-mentions", type=int, default=0)
    args = parser.parse_args()
    benchmark = bool(args.bulk_dms or args.bulk_mentions)
    x = bulk(args.bulk_dms, args.bulk_mentions) if benchmark else seeded()
    if benchmark:
        # One JSON line for the benchmark: tokens of the benchmark account.
        tokens = x.issue_tokens(ME, ["tweet.read", "users.read", "dm.read", "offline.access"])
        print(json.dumps(tokens), flush=True)
    x.dm_forbidden = args.forbid_dms
    base = f"http://{args.host}:{args.port}"
    print("Fake X at", base, "- start PingCRM with:")
    for name, value in x.client_settings(base).items():
        if value:
            print(f"  PINGCRM_{name.upper()}={value}")
    uvicorn.run(build_app(x), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
