"""The leadership digest: one page per week, month, quarter or year, its preview, and the one-pager.

Leaders read it to decide whether to keep backing the community, so every figure
comes with its change against the previous period and its total since the first
session; money and time come with their formulas; the voices are the best *and*
the most critical comments (never with names); and a word on trainer workload:
anyone over the burnout threshold is named so that someone checks in with them.
The figures are gathered once (``handlers.digest_data``) for every rendering.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import report, spans
from handlers.context import Context, Refusal
from handlers.digest_data import gather
from handlers.digest_text import chart_of, digest_reply
from handlers.tokens import UsageError
from handlers.types import Reply, private
from storage.models import Community

USAGE_HINT = "e.g. `digest`, `digest quarter`, `digest quarter so far` or `digest quarter report`."


@dataclass(frozen=True)
class Digest:
    """``digest [week|month|quarter|year] [so far] [report]``: a private preview, or the one-pager file."""

    period: spans.Unit = "month"
    so_far: bool = False
    report: bool = False


def parse_digest(rest: str) -> Digest:
    words = rest.lower().split()
    period: str = "month"
    if words and words[0] in ("week", "month", "quarter", "year"):
        period = words.pop(0)
    so_far = words[:2] == ["so", "far"]
    if so_far:
        words = words[2:]
    wants_report = words[:1] == ["report"]
    if wants_report:
        words = words[1:]
    if words:
        raise UsageError(f"The digest covers a `week`, `month`, `quarter` or `year`; {USAGE_HINT}", "digest")
    return Digest(period, so_far, wants_report)  # type: ignore[arg-type]


async def leadership_digest(session: AsyncSession, community: Community, span: spans.Span, zone: ZoneInfo) -> Reply:
    """The digest for ``span`` (a whole local week, month, quarter or year) with its chart, ready to post."""
    data = await gather(session, community, span, zone)
    return digest_reply(data, await chart_of(data))


async def preview(ctx: Context, command: Digest) -> Reply:
    """Show admins and leaders the digest of the last complete period (or the current one so far), privately;
    with ``report``, the one-pager as an HTML file instead (Slack uploads it, Teams links to it)."""
    if not ctx.is_leader():
        raise Refusal("The digest preview is for Guild admins and leaders. It's posted to the leadership "
                      "channel regularly; ask an admin if you'd like to see it.")
    zone = ctx.community_zone()
    if command.so_far:
        span = spans.so_far(command.period, ctx.now, zone)
    else:
        span = spans.last_complete(command.period, ctx.now, zone)
    if command.report:
        data = await gather(ctx.session, ctx.community, span, zone)
        files = await report.render(data, ctx.community, "html", ctx.now)
        return private(f"Here is the one-pager for {span.label}: one HTML file that opens in any browser, works "
                       "offline and prints on one A4 page — ready to forward.",
                       title=f"Guild one-pager — {span.label}", files=tuple(files))
    reply = await leadership_digest(ctx.session, ctx.community, span, zone)
    return replace(reply, public=False, text=f"Preview, only for you. {reply.text}")


PARSERS = {"digest": parse_digest}
ROUTES = {Digest: preview}
