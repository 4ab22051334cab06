"""Guild's settings, read from the environment (and a ``.env`` file) and checked at start.

Every wrong value is reported at once, each with what was expected, so that an
operator fixes the configuration in one go instead of one crash at a time.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
APP_TYPES = ("MultiTenant", "SingleTenant", "UserAssignedMSI")


class ConfigError(Exception):
    """One or more settings are wrong; ``problems`` lists each, ready to print."""

    def __init__(self, problems: list[str]) -> None:
        if len(problems) == 1:  # one line for one problem, as every start-up failure is told
            super().__init__(f"Guild's configuration has a problem: {problems[0]}")
        else:
            super().__init__("Guild's configuration has problems:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///guild.db"
    host: str = "0.0.0.0"
    port: int = 3000
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str = "MultiTenant"
    teams_dev_mode: bool = False
    admins: frozenset[str] = frozenset()
    timezone: str = "UTC"
    log_level: str = "INFO"
    roundup_grace_hours: float = 6.0
    digest_grace_hours: float = 24.0
    drain_seconds: float = 20.0
    auto_migrate: bool = True
    public_url: str | None = None  # where people reach Guild over HTTPS (report links on Teams)
    teams_service_urls: tuple[str, ...] = ()
    db_pool_size: int = 5  # connections the work may hold at once (the work queue is sized from it)
    claim_lease_seconds: float = 60.0  # how long an inbox row stays with the instance working on it
    workers: int = 0  # worker processes doing the acknowledged work (0: the serving process does it)

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token or self.slack_client_id)

    @property
    def teams_enabled(self) -> bool:
        return bool(self.microsoft_app_id) or self.teams_dev_mode

    @property
    def has_platform(self) -> bool:
        return self.slack_enabled or self.teams_enabled

    def __repr__(self) -> str:
        """Never print secrets, even by accident in a log or traceback."""
        return (f"Settings(database={_redacted_url(self.database_url)}, host={self.host}, port={self.port}, "
                f"slack={self.slack_enabled}, teams={self.teams_enabled}, timezone={self.timezone})")


def load(env: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")) -> Settings:
    """Settings from ``env`` (default: ``os.environ`` over the ``.env`` file)."""
    if env is None:
        file_values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None} if dotenv else {}
        env = {**file_values, **os.environ}
    problems: list[str] = []
    get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731 - a one-line reader

    database_url = get("DATABASE_URL") or Settings.database_url
    try:
        backend = make_url(database_url).get_backend_name()
        if backend not in ("sqlite", "postgresql", "postgres"):
            problems.append(f"DATABASE_URL must be sqlite:///… or postgresql://…, not a {backend} URL")
    except (ArgumentError, ValueError):
        problems.append("DATABASE_URL is not a database URL (e.g. sqlite:///guild.db or postgresql://user@host/db)")

    host = get("HOST") or Settings.host
    port = _port(get("PORT"), problems)
    timezone = get("GUILD_TIMEZONE") or "UTC"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"GUILD_TIMEZONE={timezone!r} is not an IANA time zone name (e.g. Europe/Paris)")
    public_url = (get("GUILD_PUBLIC_URL") or "").rstrip("/") or None
    if public_url and not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", public_url):
        problems.append(f"GUILD_PUBLIC_URL must be an http(s) address like https://guild.example.com, not "
                        f"{public_url!r}")
    log_level = (get("LOG_LEVEL") or "INFO").upper()
    if log_level not in LOG_LEVELS:
        problems.append(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")

    slack_bot_token, slack_signing_secret = get("SLACK_BOT_TOKEN"), get("SLACK_SIGNING_SECRET")
    slack_app_token, slack_client_id = get("SLACK_APP_TOKEN"), get("SLACK_CLIENT_ID")
    slack_client_secret = get("SLACK_CLIENT_SECRET")
    if slack_bot_token and not slack_bot_token.startswith("xoxb-"):
        problems.append("SLACK_BOT_TOKEN should be a bot token starting with xoxb-")
    if slack_app_token and not slack_app_token.startswith("xapp-"):
        problems.append("SLACK_APP_TOKEN should be an app-level token starting with xapp-")
    if (slack_bot_token or slack_client_id) and not slack_app_token and not slack_signing_secret:
        problems.append("SLACK_SIGNING_SECRET is required for Slack over HTTP (or set SLACK_APP_TOKEN for Socket Mode)")
    if bool(slack_client_id) != bool(slack_client_secret):
        problems.append("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET go together (for installing in several workspaces)")
    if slack_app_token and not slack_bot_token:
        problems.append("SLACK_APP_TOKEN (Socket Mode) also needs SLACK_BOT_TOKEN")

    app_id, password = get("MICROSOFT_APP_ID"), get("MICROSOFT_APP_PASSWORD")
    app_type = get("MICROSOFT_APP_TYPE") or "MultiTenant"
    tenant = get("MICROSOFT_APP_TENANT_ID")
    dev_mode = (get("TEAMS_DEV_MODE") or "0") in ("1", "true", "yes")
    if app_id and not password and app_type != "UserAssignedMSI":
        problems.append("MICROSOFT_APP_PASSWORD is required with MICROSOFT_APP_ID")
    if app_type not in APP_TYPES:
        problems.append(f"MICROSOFT_APP_TYPE must be one of {', '.join(APP_TYPES)}")
    if app_type == "SingleTenant" and app_id and not tenant:
        problems.append("MICROSOFT_APP_TENANT_ID is required for a SingleTenant bot")
    if dev_mode and app_id:
        problems.append("TEAMS_DEV_MODE=1 turns authentication off; unset MICROSOFT_APP_ID to use it")
    if dev_mode and not is_loopback(host):
        problems.append(
            f"TEAMS_DEV_MODE=1 is refused with HOST={host}: with authentication off, serve only on a loopback "
            "address (HOST=127.0.0.1), or anyone could post activities"
        )

    roundup_grace = _hours("GUILD_ROUNDUP_GRACE_HOURS", get, Settings.roundup_grace_hours, problems)
    digest_grace = _hours("GUILD_DIGEST_GRACE_HOURS", get, Settings.digest_grace_hours, problems)
    drain_seconds = _drain_seconds(get("GUILD_DRAIN_SECONDS"), problems)
    service_urls = tuple(u.strip() for u in (get("TEAMS_SERVICE_URLS") or "").split(",") if u.strip())
    for entry in service_urls:
        if not _service_url_entry(entry):
            problems.append(f"TEAMS_SERVICE_URLS: {entry!r} is not a host (bots.example.com, *.example.com) "
                            "or an https:// URL prefix")
    auto_migrate = _flag("GUILD_AUTO_MIGRATE", get("GUILD_AUTO_MIGRATE"), Settings.auto_migrate, problems)
    pool_size = _number("GUILD_DB_POOL_SIZE", get("GUILD_DB_POOL_SIZE"), Settings.db_pool_size, 1, 100, problems)
    workers = _number("GUILD_WORKERS", get("GUILD_WORKERS"), Settings.workers, 0, 32, problems)
    lease = _number("GUILD_CLAIM_LEASE_SECONDS", get("GUILD_CLAIM_LEASE_SECONDS"), Settings.claim_lease_seconds,
                    1, 3600, problems)

    if problems:
        raise ConfigError(problems)
    return Settings(
        database_url=database_url,
        host=host,
        port=port,
        slack_bot_token=slack_bot_token,
        slack_signing_secret=slack_signing_secret,
        slack_app_token=slack_app_token,
        slack_api_url=get("SLACK_API_URL"),
        slack_client_id=slack_client_id,
        slack_client_secret=slack_client_secret,
        microsoft_app_id=app_id,
        microsoft_app_password=password,
        microsoft_app_tenant_id=tenant,
        microsoft_app_type=app_type,
        teams_dev_mode=dev_mode,
        admins=frozenset(a.strip() for a in (get("GUILD_ADMINS") or "").split(",") if a.strip()),
        timezone=timezone,
        log_level=log_level,
        roundup_grace_hours=roundup_grace,
        digest_grace_hours=digest_grace,
        drain_seconds=drain_seconds,
        auto_migrate=auto_migrate,
        public_url=public_url,
        teams_service_urls=service_urls,
        db_pool_size=int(pool_size),
        claim_lease_seconds=lease,
        workers=int(workers),
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _port(raw: str | None, problems: list[str]) -> int:
    if raw is None:
        return Settings.port
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        problems.append(f"PORT must be a number from 1 to 65535, not {raw!r}")
        return Settings.port
    return int(raw)


def _hours(name: str, get: Callable[[str], str | None], default: float, problems: list[str]) -> float:
    raw = get(name)
    if raw is None:
        return default
    try:
        hours = float(raw)
    except ValueError:
        hours = -1.0
    if not 0 <= hours <= 24 * 92:
        problems.append(f"{name} must be a number of hours from 0 to {24 * 92}, not {raw!r}")
        return default
    return hours


def _drain_seconds(raw: str | None, problems: list[str]) -> float:
    """How long a stopping instance waits for acknowledged work (Kubernetes' grace period must be longer)."""
    if raw is None:
        return Settings.drain_seconds
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 3600:
        problems.append(f"GUILD_DRAIN_SECONDS must be a number of seconds from 0 to 3600, not {raw!r}")
        return Settings.drain_seconds
    return seconds


def _number(name: str, raw: str | None, default: float, low: float, high: float, problems: list[str]) -> float:
    if raw is None:
        return default
    try:
        number = float(raw)
    except ValueError:
        number = low - 1
    integral = isinstance(default, int)
    if not low <= number <= high or (integral and not number.is_integer()):
        kind = "a whole number" if integral else "a number"
        problems.append(f"{name} must be {kind} from {low:g} to {high:g}, not {raw!r}")
        return default
    return number


def _service_url_entry(entry: str) -> bool:
    """A TEAMS_SERVICE_URLS entry: ``host``, ``*.domain`` or an ``https://`` URL prefix."""
    if "://" in entry:
        parts = urlsplit(entry)
        return parts.scheme == "https" and bool(parts.hostname)
    name = entry.removeprefix("*.")
    return bool(name) and "/" not in name and ":" not in name and all(name.split("."))


def _flag(name: str, raw: str | None, default: bool, problems: list[str]) -> bool:
    if raw is None:
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    problems.append(f"{name} must be 1 or 0, not {raw!r}")
    return default


def _redacted_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<invalid>"
