"""One Notifier for the core and the scheduler, routing each message to its platform's adapter."""

from __future__ import annotations

from handlers.ports import Notifier
from handlers.types import CommunityRef, Recipient, Reply


class NoRoute(Exception):
    """A community whose platform is not connected in this process."""


class RoutingNotifier:
    def __init__(self) -> None:
        self._routes: dict[str, Notifier] = {}

    def register(self, platform: str, notifier: Notifier) -> None:
        self._routes[platform] = notifier

    def _route(self, community: CommunityRef) -> Notifier:
        try:
            return self._routes[community.platform]
        except KeyError:
            raise NoRoute(f"{community.platform} is not connected in this Guild process") from None

    async def tell(self, to: Recipient, reply: Reply) -> None:
        await self._route(to.community).tell(to, reply)

    async def post(self, community: CommunityRef, channel: str, reply: Reply) -> None:
        await self._route(community).post(community, channel, reply)
