"""Structured logs: one JSON line per event, with community, person and command when known.

A filter masks anything that looks like a Slack token or a bearer token, so a
library that logs a request by mistake still never writes a secret.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

CONTEXT_FIELDS = ("community", "person", "command", "result", "job", "channel", "platform")
SECRET = re.compile(r"(xox[abposr]-[\w-]+|xapp-[\w-]+|Bearer\s+[\w.\-~+/=]+)")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        event.update({key: getattr(record, key) for key in CONTEXT_FIELDS if hasattr(record, key)})
        if record.exc_info:
            event["error"] = self.formatException(record.exc_info)
        return SECRET.sub("[redacted]", json.dumps(event, default=str))


def setup(level: str = "INFO", stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("apscheduler", "aiohttp.access", "slack_bolt", "slack_sdk", "msrest", "azure", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
