"""Which ``serviceUrl``s Guild will call back: the Bot Framework's own hosts, plus what the operator adds.

Every activity names the ``serviceUrl`` its replies go to, and Guild stores it
for later proactive posts; an activity naming any other host would make Guild
send its token and its people's data there. So only HTTPS URLs on Microsoft's
connector hosts are accepted by default (public Teams, GCC, GCC High, DoD,
and the Bot Framework channels in the public, US Government and China
clouds). ``TEAMS_SERVICE_URLS`` adds hosts (``bots.example.com``,
``*.example.com``) or URL prefixes (``https://proxy.example.com/teams/``).
Loopback (a local emulator or the tests' fake connector) only in dev mode.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

BOT_FRAMEWORK_HOSTS = (
    "smba.trafficmanager.net",             # Teams, public cloud (…/amer/, …/emea/, …)
    "smba.infra.gcc.teams.microsoft.com",  # Teams GCC
    "smba.infra.gov.teams.microsoft.us",   # Teams GCC High
    "smba.infra.dod.teams.microsoft.us",   # Teams DoD
    "*.botframework.com",                  # Bot Framework channels (Web Chat, Direct Line, …)
    "*.botframework.us",
    "*.botframework.azure.us",             # US Government cloud
    "*.botframework.azure.cn",             # China cloud
)
_LOOPBACK_NAMES = ("localhost",)


@dataclass(frozen=True)
class ServiceUrls:
    """``allows(url)``: may Guild call this ``serviceUrl``?"""

    hosts: tuple[str, ...] = BOT_FRAMEWORK_HOSTS
    prefixes: tuple[str, ...] = ()
    loopback: bool = False

    @classmethod
    def configured(cls, extra: Iterable[str], *, dev_mode: bool) -> ServiceUrls:
        hosts: list[str] = list(BOT_FRAMEWORK_HOSTS)
        prefixes: list[str] = []
        for entry in (e.strip() for e in extra):
            if not entry:
                continue
            (prefixes if "://" in entry else hosts).append(entry.lower())
        return cls(tuple(hosts), tuple(prefixes), dev_mode)

    def allows(self, url: str | None) -> bool:
        if not url:
            return False
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        host = (parts.hostname or "").lower()
        if not host or parts.username or parts.password:
            return False
        if _is_loopback(host):
            return self.loopback and parts.scheme in ("http", "https")
        if parts.scheme != "https":
            return False
        if any(url.lower().startswith(prefix) for prefix in self.prefixes):
            return True
        return port in (None, 443) and any(_matches(host, pattern) for pattern in self.hosts)


def _matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
    return host == pattern


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
