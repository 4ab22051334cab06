"""Files on Teams: a reply's report becomes a link to ``GET /reports/<token>``, served by Guild.

A Teams bot cannot attach a file to a channel message, and the file-consent
card works only in one-to-one chats and needs OneDrive; so Guild keeps the
one-pager itself for ``REPORT_TTL`` behind an unguessable token
(``storage.report_links``) and puts the link in the card. It needs the public
address Guild is reached at (``GUILD_PUBLIC_URL``, the same host Teams posts
``/api/messages`` to); without it the card says so instead of a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from aiohttp import web

from handlers.ports import Clock
from handlers.types import Reply, Section
from storage import members, report_links
from storage.uow import UnitOfWork

REPORT_TTL = timedelta(days=7)
PATH = "/reports/{token}"
NO_PUBLIC_URL = ("📄 The one-pager is ready, but Guild can only share it on Teams as a link, and whoever runs "
                 "Guild has not set GUILD_PUBLIC_URL. Ask them, or use `python app.py report` on the server.")


class ReportLinks:
    def __init__(self, *, uow: Callable[[], UnitOfWork], clock: Clock, public_url: str | None) -> None:
        self._uow = uow
        self._clock = clock
        self._base = public_url.rstrip("/") if public_url else None

    async def attach(self, reply: Reply, tenant: str) -> Reply:
        """``reply`` with each of its files as a link in the card (the chart stays in the card itself)."""
        if not reply.files:
            return reply
        if self._base is None:
            return replace(reply, files=(), sections=(*reply.sections, Section(NO_PUBLIC_URL)))
        lines = []
        async with self._uow() as work:
            community = await members.community(work.session, "teams", tenant)
            for file in reply.files:
                token, expires = await report_links.create(
                    work.session, community_id=community.id, filename=file.filename, mime=file.mime,
                    content=file.content, now=self._clock(), ttl=REPORT_TTL)
                lines.append(f"📄 [{file.title}]({self._base}/reports/{token}) — the link works until "
                             f"{expires:%d %b %Y}; save the file to forward it.")
            await work.commit()
        return replace(reply, files=(), sections=(*reply.sections, Section("\n".join(lines))))

    async def serve(self, request: web.Request) -> web.Response:
        """``GET /reports/<token>``: the file while its link lasts; 404 for anything else, told apart from nothing."""
        async with self._uow() as work:
            found = await report_links.find(work.session, request.match_info["token"], self._clock())
            if found is None:
                return web.Response(status=404, text="This report link is unknown or has expired.")
            kind, _, _ = found.mime.partition(";")
            return web.Response(body=found.content, content_type=kind,
                                charset="utf-8" if kind.startswith("text/") else None, headers={
                "Content-Disposition": f'inline; filename="{found.filename}"',
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "no-referrer",
                "Content-Security-Policy": "default-src 'none'; img-src data:; style-src 'unsafe-inline'",
            })
