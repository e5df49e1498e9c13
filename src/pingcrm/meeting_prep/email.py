"""The meeting-prep email: the brief of each attendee as a MIME message (plain text and
HTML alternatives) from the user's Gmail address to itself."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from pingcrm.meeting_prep.brief import MeetingBrief

_ENV = Environment(
    loader=PackageLoader("pingcrm.meeting_prep", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Guest:
    """An attendee who is not (yet) one of the user's contacts (e.g. a big meeting)."""

    name: str | None
    email: str


@dataclass(frozen=True)
class PrepEmail:
    subject: str
    text: str
    html: str


def local_time(moment: datetime, zone: str | None) -> tuple[datetime, str]:
    """The start in the event's time zone (UTC when unknown) and that zone's label."""
    if zone:
        try:
            return moment.astimezone(ZoneInfo(zone)), zone
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return moment, "UTC"


def render(
    brief: MeetingBrief,
    *,
    starts_at: datetime,
    ends_at: datetime | None,
    time_zone: str | None,
    guests: list[Guest],
    event_link: str | None,
    app_url: str,
) -> PrepEmail:
    """Subject, text and HTML of the brief."""
    start, zone = local_time(starts_at, time_zone)
    end = local_time(ends_at, time_zone)[0] if ends_at else None
    when = f"{start:%A %d %B %Y, %H:%M}" + (f"–{end:%H:%M}" if end else "") + f" ({zone})"
    context = {
        "brief": brief,
        "when": when,
        "guests": guests,
        "event_link": event_link,
        "app_url": app_url.rstrip("/"),
    }
    title = " ".join(brief.title.split())[:200]  # one line: it goes into a header
    return PrepEmail(
        subject=f"Meeting prep: {title} at {start:%H:%M} ({zone})",
        text=_ENV.get_template("brief.txt").render(context),
        html=_ENV.get_template("brief.html").render(context),
    )


def mime_message(prep: PrepEmail, address: str, now: datetime) -> EmailMessage:
    """The email from ``address`` to itself, text first and HTML as the alternative."""
    message = EmailMessage()
    message["From"] = formataddr(("PingCRM", address))
    message["To"] = address
    message["Subject"] = prep.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain="pingcrm.local")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(prep.text)
    message.add_alternative(prep.html, subtype="html")
    return message


def raw(message: EmailMessage) -> str:
    """The base64url ``raw`` field of ``users.messages.send``."""
    return base64.urlsafe_b64encode(message.as_bytes()).decode("ascii")
