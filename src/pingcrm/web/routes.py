"""Every router of the app, in one list (the isolation test walks this route table)."""

from __future__ import annotations

from fastapi import FastAPI

from pingcrm.web.api import account as api_account
from pingcrm.web.api import auth as api_auth
from pingcrm.web.api import contacts as api_contacts
from pingcrm.web.api import extension as api_extension
from pingcrm.web.api import gmail as api_gmail
from pingcrm.web.api import health as api_health
from pingcrm.web.api import identity as api_identity
from pingcrm.web.api import imports as api_imports
from pingcrm.web.api import interactions as api_interactions
from pingcrm.web.api import jobs as api_jobs
from pingcrm.web.api import linkedin as api_linkedin
from pingcrm.web.api import mcp_keys as api_mcp_keys
from pingcrm.web.api import meeting_prep as api_meeting_prep
from pingcrm.web.api import notes as api_notes
from pingcrm.web.api import notifications as api_notifications
from pingcrm.web.api import organizations as api_organizations
from pingcrm.web.api import settings as api_settings
from pingcrm.web.api import suggestions as api_suggestions
from pingcrm.web.api import telegram as api_telegram
from pingcrm.web.api import twitter as api_twitter
from pingcrm.web.ui import account as ui_account
from pingcrm.web.ui import ai_settings as ui_ai_settings
from pingcrm.web.ui import auth as ui_auth
from pingcrm.web.ui import contacts as ui_contacts
from pingcrm.web.ui import dashboard as ui_dashboard
from pingcrm.web.ui import gmail_settings as ui_gmail_settings
from pingcrm.web.ui import help as ui_help
from pingcrm.web.ui import identity as ui_identity
from pingcrm.web.ui import imports as ui_imports
from pingcrm.web.ui import jobs as ui_jobs
from pingcrm.web.ui import linkedin_settings as ui_linkedin_settings
from pingcrm.web.ui import mcp_settings as ui_mcp_settings
from pingcrm.web.ui import meeting_prep_settings as ui_meeting_prep_settings
from pingcrm.web.ui import notifications as ui_notifications
from pingcrm.web.ui import organizations as ui_organizations
from pingcrm.web.ui import settings as ui_settings
from pingcrm.web.ui import suggestions as ui_suggestions
from pingcrm.web.ui import tags_settings as ui_tags_settings
from pingcrm.web.ui import telegram_settings as ui_telegram_settings
from pingcrm.web.ui import twitter_settings as ui_twitter_settings


def include_routers(app: FastAPI) -> None:
    """Mount the JSON API under ``/api`` and the pages at the root."""
    app.include_router(api_health.router)
    app.include_router(api_auth.router)
    app.include_router(ui_auth.router)
    app.include_router(api_notifications.router)
    app.include_router(api_organizations.router)
    app.include_router(api_settings.router)
    app.include_router(api_account.router)
    app.include_router(ui_dashboard.router)
    app.include_router(ui_notifications.router)
    app.include_router(ui_organizations.router)
    app.include_router(ui_settings.router)
    app.include_router(ui_gmail_settings.router)
    app.include_router(api_gmail.router)
    app.include_router(api_meeting_prep.router)
    app.include_router(ui_meeting_prep_settings.router)
    app.include_router(ui_account.router)
    app.include_router(api_contacts.router)
    app.include_router(api_interactions.router)
    app.include_router(api_notes.router)
    app.include_router(ui_contacts.router)
    app.include_router(api_imports.router)
    app.include_router(api_jobs.router)
    app.include_router(ui_imports.router)
    app.include_router(ui_jobs.router)
    app.include_router(api_suggestions.router)
    app.include_router(ui_suggestions.router)
    app.include_router(ui_ai_settings.router)
    app.include_router(ui_tags_settings.router)
    app.include_router(api_mcp_keys.router)
    app.include_router(ui_mcp_settings.router)
    app.include_router(ui_help.router)
    app.include_router(api_identity.router)
    app.include_router(ui_identity.router)
    app.include_router(ui_twitter_settings.router)
    app.include_router(api_twitter.router)
    # LinkedIn extension (docs/linkedin.md)
    app.include_router(api_extension.router)
    app.include_router(api_linkedin.router)
    app.include_router(ui_linkedin_settings.router)
    app.include_router(api_telegram.router)
    app.include_router(ui_telegram_settings.router)
    # Settings sections at /settings/<section>: last, after every /settings/... route.
    app.include_router(ui_settings.sections_router)
