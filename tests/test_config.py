"""Settings are read from the environment and every wrong value is reported at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

import app
import config


def test_defaults_need_no_configuration_at_all() -> None:
    settings = config.load({})
    assert settings.database_url == "sqlite:///guild.db"
    assert (settings.host, settings.port, settings.timezone) == ("0.0.0.0", 3000, "UTC")
    assert not settings.has_platform


def test_slack_over_http_needs_the_signing_secret() -> None:
    with pytest.raises(config.ConfigError) as error:
        config.load({"SLACK_BOT_TOKEN": "xoxb-1"})
    assert any("SLACK_SIGNING_SECRET" in p for p in error.value.problems)
    assert config.load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}).slack_enabled
    assert config.load({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).slack_enabled


def test_every_problem_is_reported_together() -> None:
    with pytest.raises(config.ConfigError) as error:
        config.load({"PORT": "eighty", "GUILD_TIMEZONE": "Mars/Olympus", "DATABASE_URL": "mysql://x/y",
                     "LOG_LEVEL": "LOUD"})
    text = str(error.value)
    assert "PORT" in text and "GUILD_TIMEZONE" in text and "DATABASE_URL" in text and "LOG_LEVEL" in text


def test_teams_dev_mode_is_refused_off_loopback() -> None:
    with pytest.raises(config.ConfigError) as error:
        config.load({"TEAMS_DEV_MODE": "1"})  # HOST defaults to 0.0.0.0
    assert "loopback" in str(error.value)
    assert config.load({"TEAMS_DEV_MODE": "1", "HOST": "127.0.0.1"}).teams_enabled
    assert config.load({"TEAMS_DEV_MODE": "1", "HOST": "::1"}).teams_enabled


def test_teams_credentials_and_tenant() -> None:
    with pytest.raises(config.ConfigError):
        config.load({"MICROSOFT_APP_ID": "app"})
    with pytest.raises(config.ConfigError):
        config.load({"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "pw", "MICROSOFT_APP_TYPE": "SingleTenant"})
    settings = config.load({"MICROSOFT_APP_ID": "app", "MICROSOFT_APP_PASSWORD": "pw"})
    assert settings.teams_enabled and not settings.teams_dev_mode


def test_admins_are_a_comma_separated_list() -> None:
    assert config.load({"GUILD_ADMINS": "U1, U2,,29:abc"}).admins == frozenset({"U1", "U2", "29:abc"})


def test_settings_never_print_secrets() -> None:
    settings = config.load({"SLACK_BOT_TOKEN": "xoxb-secret", "SLACK_SIGNING_SECRET": "shh",
                            "DATABASE_URL": "postgresql://guild:pw@db/guild"})
    assert "xoxb-secret" not in repr(settings) and "shh" not in repr(settings) and "pw@" not in repr(settings)


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    env_file = tmp_path / ".env"
    env_file.write_text("GUILD_TIMEZONE=Europe/Paris\nPORT=4000\n")
    monkeypatch.setenv("PORT", "5000")
    settings = config.load(dotenv=env_file)
    assert settings.timezone == "Europe/Paris" and settings.port == 5000


def test_grace_windows_for_missed_posts_are_hours_and_reach_the_scheduler() -> None:
    settings = config.load({"GUILD_ROUNDUP_GRACE_HOURS": "2.5", "GUILD_DIGEST_GRACE_HOURS": "0"}, dotenv=None)
    assert (settings.roundup_grace_hours, settings.digest_grace_hours) == (2.5, 0.0)
    guild = asyncio.run(_built(replace(settings, database_url="sqlite://")))
    assert guild.scheduler.env.timing.grace("roundup") == timedelta(hours=2.5)
    assert guild.scheduler.env.timing.grace("digest") == timedelta(0)
    with pytest.raises(config.ConfigError, match="GUILD_ROUNDUP_GRACE_HOURS must be a number of hours"):
        config.load({"GUILD_ROUNDUP_GRACE_HOURS": "soon"}, dotenv=None)


def test_drain_seconds_bound_the_wait_for_acknowledged_work_at_shutdown() -> None:
    assert config.load({}, dotenv=None).drain_seconds == 20
    assert config.load({"GUILD_DRAIN_SECONDS": "45"}, dotenv=None).drain_seconds == 45
    for wrong in ("soon", "-1", "7200"):
        with pytest.raises(config.ConfigError, match="GUILD_DRAIN_SECONDS must be a number of seconds"):
            config.load({"GUILD_DRAIN_SECONDS": wrong}, dotenv=None)


def test_auto_migrate_is_on_unless_turned_off() -> None:
    assert config.load({}, dotenv=None).auto_migrate is True
    assert config.load({"GUILD_AUTO_MIGRATE": "0"}, dotenv=None).auto_migrate is False
    assert config.load({"GUILD_AUTO_MIGRATE": "yes"}, dotenv=None).auto_migrate is True
    with pytest.raises(config.ConfigError, match="GUILD_AUTO_MIGRATE must be 1 or 0, not 'maybe'"):
        config.load({"GUILD_AUTO_MIGRATE": "maybe"}, dotenv=None)


async def _built(settings: config.Settings) -> app.Guild:
    guild = await app.build(settings)
    await guild.close()
    return guild


def test_pool_size_inbox_lease_and_workers_are_bounded_numbers() -> None:
    defaults = config.load({}, dotenv=None)
    assert (defaults.db_pool_size, defaults.claim_lease_seconds) == (5, 60.0)
    chosen = config.load({"GUILD_DB_POOL_SIZE": "12", "GUILD_CLAIM_LEASE_SECONDS": "2.5", "GUILD_WORKERS": "2"},
                         dotenv=None)
    assert (chosen.db_pool_size, chosen.claim_lease_seconds, chosen.workers) == (12, 2.5, 2)
    assert defaults.workers == 0
    for name, wrong in (("GUILD_DB_POOL_SIZE", "0"), ("GUILD_DB_POOL_SIZE", "2.5"), ("GUILD_DB_POOL_SIZE", "many"),
                        ("GUILD_WORKERS", "-1"), ("GUILD_WORKERS", "1.5"),
                        ("GUILD_CLAIM_LEASE_SECONDS", "0"), ("GUILD_CLAIM_LEASE_SECONDS", "-3")):
        with pytest.raises(config.ConfigError, match=name):
            config.load({name: wrong}, dotenv=None)
