"""Application settings, read from the environment (prefix ``PINGCRM_``) and ``.env``.

Every setting has a default that works on a laptop: an SQLite database under the data
directory and secrets generated once into ``<data dir>/secrets.json`` (mode 0600).
"""

from __future__ import annotations

import json
import os
import secrets
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every tunable of PingCRM; see ``.env.example`` for the documented list."""

    model_config = SettingsConfigDict(
        env_prefix="PINGCRM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Where things live
    data_dir: Path = Path("data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    base_url: str = ""

    # Secrets (generated into data_dir/secrets.json when left empty)
    secret_key: str = ""
    encryption_keys: str = ""
    mcp_hmac_secret: str = ""

    # Accounts
    allow_signup: bool = False
    access_token_minutes: int = Field(default=60, ge=1, le=60 * 24)
    session_days: int = Field(default=14, ge=1, le=365)
    login_attempts_per_account: int = Field(default=5, ge=1)
    login_attempts_per_address: int = Field(default=20, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # Password hashes (sign-ins, sign-ups, password changes) running at once in a process;
    # each takes Argon2's 64 MB while it runs, the others wait their turn, at most this
    # long (then "busy, try again": 503 with Retry-After).
    password_hash_concurrency: int = Field(default=1, ge=1, le=64)
    password_hash_wait_seconds: float = Field(default=10.0, gt=0, le=120)

    # Web
    max_body_bytes: int = Field(default=1_000_000, ge=1024)
    max_upload_bytes: int = Field(default=60_000_000, ge=1024)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    # Background jobs (empty broker: embedded runner inside `pingcrm serve`)
    broker_url: str = ""

    # AI (per-user provider, model and key live in Settings → AI; these are server limits)
    anthropic_base_url: str = "https://api.anthropic.com"
    anthropic_default_model: str = "claude-haiku-4-5"
    openai_default_model: str = "llama3.2"
    llm_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    llm_max_retries: int = Field(default=2, ge=0, le=10)
    llm_max_concurrency: int = Field(default=4, ge=1, le=64)

    # Identity resolution: a probable pair at or above the review threshold is queued;
    # at or above the auto-merge threshold it merges itself if the user opted in.
    identity_review_threshold: float = Field(default=0.92, gt=0, le=1)
    identity_auto_merge_threshold: float = Field(default=0.99, gt=0, le=1)
    # A name-only match scores at most this (below the review threshold: ignored).
    identity_name_only_cap: float = Field(default=0.65, ge=0, le=1)
    # Blocks (contacts sharing a key) larger than this (a fifth of it for typo keys, a
    # tenth for company keys) are split by a secondary key; sub-blocks larger are skipped.
    identity_max_block_size: int = Field(default=100, ge=2, le=10_000)

    # Google (Gmail, Contacts, Calendar): an OAuth client of your own (docs/google.md)
    google_client_id: str = ""
    google_client_secret: str = ""
    # Empty: <base URL>/settings/gmail/callback (must match the OAuth client exactly).
    google_redirect_uri: str = ""
    google_auth_url: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_url: str = "https://oauth2.googleapis.com/token"
    google_revoke_url: str = "https://oauth2.googleapis.com/revoke"
    gmail_api_url: str = "https://gmail.googleapis.com"
    people_api_url: str = "https://people.googleapis.com"
    calendar_api_url: str = "https://www.googleapis.com/calendar/v3"
    google_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # How far back the first email sync reaches.
    gmail_window_days: int = Field(default=730, ge=1, le=36500)
    # Messages listed (and committed) per page of the first sync; Gmail allows 500.
    gmail_page_size: int = Field(default=500, ge=1, le=500)
    # Batch requests (of up to 100 calls) in flight at once per account.
    gmail_batch_concurrency: int = Field(default=3, ge=1, le=16)
    # Google's per-user quota (units per second); the client never exceeds it.
    google_quota_units_per_second: float = Field(default=250.0, gt=0)
    # Calendar sync: the window of the full sync (days back and ahead), and the meeting
    # size (people, the user included) above which unknown attendees create no contacts.
    calendar_past_days: int = Field(default=365, ge=1, le=3650)
    calendar_future_days: int = Field(default=180, ge=1, le=3650)
    calendar_max_meeting_size: int = Field(default=15, ge=2, le=1000)
    # Telegram (MTProto through Telethon): an API id and hash of your own from
    # https://my.telegram.org (docs/telegram.md). Without them the card explains how.
    telegram_api_id: int = 0
    telegram_api_hash: str = ""
    # The gateway class ("module:attribute"); tests and the fake mode point it at
    # tests.fakes.telegram:FakeGateway. Nothing else imports Telethon.
    telegram_gateway: str = "pingcrm.telegram.gateway:TelethonGateway"
    # Messages written (and committed with their chat watermark) per batch.
    telegram_batch_size: int = Field(default=500, ge=1, le=5000)
    # Contacts whose bio is refreshed per run (each at most weekly).
    telegram_bio_batch: int = Field(default=100, ge=0, le=1000)
    telegram_bio_interval_days: int = Field(default=7, ge=1, le=365)
    # Profile photos downloaded per run (new contacts, or a photo that changed).
    telegram_avatar_batch: int = Field(default=100, ge=0, le=1000)
    # Seconds a pending login (phone -> code -> password) stays usable.
    telegram_login_ttl_seconds: int = Field(default=600, ge=60, le=3600)
    telegram_timeout_seconds: float = Field(default=30.0, gt=0, le=300)

    # Twitter / X (API v2): an OAuth 2.0 client of your own (docs/twitter.md)
    x_client_id: str = ""
    # Empty for a public client; set for a confidential one (sent as HTTP Basic auth).
    x_client_secret: str = ""
    # Empty: <base URL>/settings/twitter/callback (must match the app's callback exactly).
    x_redirect_uri: str = ""
    x_auth_url: str = "https://x.com/i/oauth2/authorize"
    x_token_url: str = "https://api.x.com/2/oauth2/token"
    x_revoke_url: str = "https://api.x.com/2/oauth2/revoke"
    x_api_url: str = "https://api.x.com"
    x_timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    # Ask for dm.write too (sending suggestion drafts as DMs).
    x_dm_write: bool = False
    # Events / mentions per page (X allows 1-100) and the pages one run reads at most.
    x_page_size: int = Field(default=100, ge=1, le=100)
    # Stop paging (and re-run after the reset) when a rate-limit window has this many
    # calls left, keeping a reserve for the user's other X jobs.
    x_rate_limit_reserve: int = Field(default=1, ge=0, le=100)
    # Bios of known contacts refreshed per mention run (users lookup, 100 ids per call);
    # the runs walk all contacts with an X id round-robin. 0: no bio refresh.
    x_bio_batch: int = Field(default=500, ge=0, le=100_000)
    # LinkedIn extension (docs/linkedin.md): pairing codes, extension tokens, the push
    # body cap and the avatar downloader (an allowlist of LinkedIn's media CDN hosts).
    linkedin_pairing_minutes: int = Field(default=10, ge=1, le=60)
    linkedin_token_days: int = Field(default=30, ge=1, le=365)
    linkedin_refresh_grace_days: int = Field(default=90, ge=0, le=3650)
    linkedin_push_max_bytes: int = Field(default=5_000_000, ge=1024)
    linkedin_avatar_hosts: str = (
        "media.licdn.com,media-exp1.licdn.com,media-exp2.licdn.com,media-exp3.licdn.com,"
        "media-exp4.licdn.com,static.licdn.com"
    )
    linkedin_avatar_max_bytes: int = Field(default=3_000_000, ge=1024)
    linkedin_avatar_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    # Extra CA bundle the avatar downloader trusts (tests: the fake CDN's certificate).
    linkedin_avatar_ca_file: str = ""
    # TESTS ONLY: let the avatar downloader reach private/loopback addresses.
    linkedin_avatar_allow_private: bool = False

    # Hardening (issue #15): reverse proxies whose X-Forwarded-For is believed (comma-
    # separated addresses or networks, e.g. "127.0.0.1,10.0.0.0/8"). Empty: nobody's;
    # the peer address is the client address.
    trusted_proxies: str = ""

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        """``trusted_proxies`` parsed (invalid entries are ignored)."""
        networks: list[IPv4Network | IPv6Network] = []
        for item in self.trusted_proxies.split(","):
            try:
                networks.append(ip_network(item.strip(), strict=False))
            except ValueError:
                continue
        return networks

    @property
    def resolved_base_url(self) -> str:
        """Public base URL of the app, used in links sent by email and OAuth redirects."""
        return self.base_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def resolved_google_redirect_uri(self) -> str:
        """Where Google sends the browser back after consent."""
        return self.google_redirect_uri or f"{self.resolved_base_url}/settings/gmail/callback"

    @property
    def google_configured(self) -> bool:
        """Whether an OAuth client is configured (else the Gmail card explains how)."""
        return bool(self.google_client_id and self.google_client_secret)

    @property
    def resolved_x_redirect_uri(self) -> str:
        """Where X sends the browser back after authorization."""
        return self.x_redirect_uri or f"{self.resolved_base_url}/settings/twitter/callback"

    @property
    def x_configured(self) -> bool:
        """Whether an X OAuth 2.0 client id is set (else the X card explains how)."""
        return bool(self.x_client_id)

    @property
    def telegram_configured(self) -> bool:
        """Whether an API id and hash are set (else the Telegram card explains how)."""
        return bool(self.telegram_api_id and self.telegram_api_hash)

    @property
    def resolved_database_url(self) -> str:
        """The database URL; SQLite under the data directory unless configured."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'pingcrm.db').resolve()}"

    @property
    def secure_cookies(self) -> bool:
        """Mark cookies Secure when the app is served over https."""
        return self.resolved_base_url.startswith("https://")

    @property
    def linkedin_avatar_host_list(self) -> list[str]:
        """The avatar CDN allowlist: lower-cased ``host`` or ``host:port`` entries."""
        return [h.strip().lower() for h in self.linkedin_avatar_hosts.split(",") if h.strip()]

    @property
    def fernet_keys(self) -> list[str]:
        """Encryption keys, newest first (the first encrypts, all decrypt)."""
        return [k.strip() for k in self.encryption_keys.split(",") if k.strip()]


def _fill_generated_secrets(settings: Settings) -> Settings:
    """Fill empty secrets from ``secrets.json`` in the data directory, creating it once."""
    missing = [
        name
        for name in ("secret_key", "encryption_keys", "mcp_hmac_secret")
        if not getattr(settings, name)
    ]
    if not missing:
        return settings
    path = settings.data_dir / "secrets.json"
    stored: dict[str, str] = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    generators = {
        "secret_key": lambda: secrets.token_urlsafe(48),
        "encryption_keys": lambda: Fernet.generate_key().decode(),
        "mcp_hmac_secret": lambda: secrets.token_urlsafe(48),
    }
    changed = False
    for name in missing:
        if name not in stored:
            stored[name] = generators[name]()
            changed = True
    if changed:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(stored, handle, indent=2)
    return settings.model_copy(update={name: stored[name] for name in missing})


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment plus explicit overrides (tests, CLI)."""
    settings = Settings(**overrides)  # type: ignore[arg-type]
    return _fill_generated_secrets(settings)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    return load_settings()
