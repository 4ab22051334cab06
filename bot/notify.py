"""One Notifier for the core and the scheduler, routing each message to its platform's adapter."""

from __future__ import annotations

from datetime import datetime

from handlers.ports import Failure, Kind, Notifier
from handlers.types import CommunityRef, Recipient, Reply


class NoRoute(Exception):
    """A community whose platform is not connected in this process."""


class RoutingNotifier:
    def __init__(self) -> None:
        self._routes: dict[str, Notifier] = {}

    def register(self, platform: str, notifier: Notifier) -> None:
        self._routes[platform] = notifier

    def platforms(self) -> frozenset[str]:
        """The platforms this process can reach: its deliverer leaves other platforms' messages to others."""
        return frozenset(self._routes)

    def _route(self, community: CommunityRef) -> Notifier:
        try:
            return self._routes[community.platform]
        except KeyError:
            raise NoRoute(f"{community.platform} is not connected in this Guild process") from None

    async def tell(self, to: Recipient, reply: Reply, *, key: str | None = None) -> str | None:
        return await self._route(to.community).tell(to, reply, key=key)

    async def post(self, community: CommunityRef, channel: str, reply: Reply, *, key: str | None = None,
                   thread: str | None = None, answering: str | None = None) -> str | None:
        return await self._route(community).post(community, channel, reply, key=key, thread=thread,
                                                 answering=answering)

    async def find(self, community: CommunityRef, kind: Kind, target: str, key: str, since: datetime, *,
                   answering: str | None = None) -> str | None:
        return await self._route(community).find(community, kind, target, key, since, answering=answering)

    def failure(self, error: Exception) -> Failure | None:
        """Each platform's notifier knows its own errors; the first that recognises ``error`` says."""
        if isinstance(error, NoRoute):
            return Failure("no_route")
        for notifier in self._routes.values():
            failure = notifier.failure(error)
            if failure is not None:
                return failure
        return None
