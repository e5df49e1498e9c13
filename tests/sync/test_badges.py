"""The connection badge is derived from the platform account row."""

from __future__ import annotations

from pingcrm.models import PlatformAccount, Provider
from pingcrm.sync.badges import badge_for


def _account(**fields: object) -> PlatformAccount:
    values: dict[str, object] = {
        "user_id": 1,
        "provider": Provider.GMAIL,
        "external_id": "ada@example.com",
        "credentials_encrypted": "gAAAA-token",
        "last_attempt_failed": False,
        "last_error_is_auth": False,
        "last_error": None,
    }
    values.update(fields)
    return PlatformAccount(**values)


def test_no_account_or_no_credentials_is_disconnected() -> None:
    assert badge_for(None).state == "disconnected"
    assert badge_for(None).label == "Disconnected"
    assert badge_for(None).css_class == "badge-disconnected"
    assert badge_for(_account(credentials_encrypted=None)).state == "disconnected"
    # Without credentials an old error does not matter: the user has to connect anyway.
    assert badge_for(_account(credentials_encrypted="", last_error_is_auth=True)).label == (
        "Disconnected"
    )


def test_credentials_with_an_auth_error_or_a_failed_attempt_is_error_with_the_message() -> None:
    auth = badge_for(_account(last_error_is_auth=True, last_error="Token has been revoked."))
    assert (auth.state, auth.label, auth.css_class) == ("error", "Error", "badge-error")
    assert auth.error == "Token has been revoked."
    failed = badge_for(_account(last_attempt_failed=True, last_error=None))
    assert failed.state == "error"
    assert failed.error == "The last sync failed. Reconnect."


def test_healthy_credentials_are_connected() -> None:
    badge = badge_for(_account(last_error="an old error that was resolved"))
    assert (badge.state, badge.label, badge.css_class, badge.error) == (
        "connected",
        "Connected",
        "badge-connected",
        None,
    )
