"""Every benchmark module; importing this registers them. Add one line per module."""

from __future__ import annotations

import importlib

SUITES = (
    "contacts_pages",
    "gmail",
    "twitter",
    "telegram",
    "identity",
    "imports",
    "load",
    "scores_suggestions",
    "scaling",
    "web_memory",
)

for _module in SUITES:
    importlib.import_module(f"bench.{_module}")
