"""Start-up failures an operator can fix, told in one line: what failed, where, and how to fix it.

An unreachable database used to print an 8.5 kB traceback. ``explain``
recognises the failures that are about the environment — the database (down,
unknown host, wrong name or credentials, unusable URL) and the listen address
(port in use, not permitted) — and words them; anything else is a bug and keeps
its traceback.
"""

from __future__ import annotations

import os
import socket
import traceback

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, InterfaceError

import config


class ListenError(Exception):
    """The web server could not bind ``host:port``."""

    def __init__(self, host: str, port: int, error: OSError) -> None:
        super().__init__(f"{host}:{port}: {error.strerror or error}")
        self.host, self.port, self.error = host, port, error


def explain(error: BaseException, settings: config.Settings) -> str | None:
    """The one line to print for a start-up failure, or None when it is not one (then the traceback helps)."""
    if isinstance(error, ListenError):
        bind = error.error
        reason = (os.strerror(bind.errno) if bind.errno else str(bind)).lower()
        return (f"Guild cannot listen on {error.host}:{error.port}: {reason}. Stop whatever uses that port, "
                "or set PORT (and HOST) to a free address.")
    where = _redacted(settings.database_url)
    fix = ("check DATABASE_URL (the file's directory must exist and be writable)" if where.startswith("sqlite")
           else "check DATABASE_URL and that the database server is running and reachable")
    if isinstance(error, DBAPIError | InterfaceError):
        cause = error.orig if error.orig is not None else error
        return f"Guild cannot use the database at {where}: {_first_line(cause)}. Fix: {fix}."
    if isinstance(error, socket.gaierror):
        return f"Guild cannot reach the database at {where}: the host name does not resolve. Fix: {fix}."
    if isinstance(error, OSError) and _from_the_database_driver(error):
        return f"Guild cannot reach the database at {where}: {_first_line(error)}. Fix: {fix}."
    if isinstance(error, ValueError | ArgumentError) and _from_the_database_driver(error):
        return (f"DATABASE_URL ({where}) is not usable: {_first_line(error)}. Fix DATABASE_URL, e.g. "
                "postgresql://user:password@host:5432/guild or sqlite:///guild.db.")
    return None


def _from_the_database_driver(error: BaseException) -> bool:
    """Raised while connecting: the traceback ends in SQLAlchemy, asyncpg or aiosqlite."""
    frames = traceback.extract_tb(error.__traceback__)
    return any(part in frame.filename for frame in frames
               for part in ("/asyncpg/", "/sqlalchemy/", "/aiosqlite/"))


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    name = type(error).__name__
    if not text:
        return name
    return text[0].rstrip(".") if name in ("Error", "OperationalError") else f"{text[0].rstrip('.')} ({name})"


def _redacted(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a URL>"
