"""Meetings: the user's calendar events (``calendar_events``), their attendees as
contacts, and the meeting interactions they produce. Providers (``google/calendar``)
fetch events and map them into :mod:`pingcrm.meetings.schemas`; identity, meeting prep,
scoring, pages and MCP use this domain, never the provider."""
