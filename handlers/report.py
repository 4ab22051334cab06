"""The leadership one-pager: the digest's figures, formulas, voices, topics and chart as a file to forward.

HTML is one self-contained file — styles inline, the chart as a PNG data URI,
no script and nothing fetched from the network — laid out to print on one A4
page. Markdown is for pasting into a wiki; its chart is a PNG file beside it.
Both render the same ``DigestData`` as the chat digest, so the numbers agree.
Workload appears as a count only: a file that gets forwarded names nobody.
"""

from __future__ import annotations

import asyncio
import base64
import re
from datetime import datetime
from html import escape
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import charts, spans
from handlers import digest_text as chat
from handlers.digest_data import DigestData, Figure, gather
from handlers.digest_money import HOW_TO_SET
from handlers.periods import first_zone
from handlers.report_text import counted
from handlers.types import Attachment
from storage.models import Community

Format = Literal["html", "markdown"]
REPORT_CHART = (960, 330)  # wide and low: the page's full width, a third of its height
BOLD = re.compile(r"\*([^*\n]+)\*")
CODE = re.compile(r"`([^`\n]+)`")


def _inline(text: str) -> str:
    """Escaped text with the digest's ``*bold*`` and ```code``` marks as HTML."""
    return CODE.sub(r"<code>\1</code>", BOLD.sub(r"<b>\1</b>", escape(text)))


def _md(text: str) -> str:
    return BOLD.sub(r"**\1**", text)


def _change(figure: Figure) -> str:
    return figure.change or "–"


def _since(data: DigestData) -> str:
    return f"since {data.since:%b %Y}" if data.since else "since the start"


def _rows_html(figures: list[Figure], data: DigestData) -> str:
    rows = []
    for f in figures:
        formula = f'<div class="formula">= {escape(f.formula)}</div>' if f.formula else ""
        total = escape(f.shown(f.total)) if f.total is not None else ""
        rows.append(f"<tr><th>{escape(f.label)}{formula}</th><td class=num>{escape(f.shown())}</td>"
                    f"<td class=chg>{escape(_change(f))}</td><td class=num>{total}</td></tr>")
    head = (f"<tr><th></th><th class=num>{escape(data.span.short)}</th><th class=chg>vs before</th>"
            f"<th class=num>{escape(_since(data))}</th></tr>")
    return f"<table class=figures>{head}{''.join(rows)}</table>"


def _topics_html(data: DigestData) -> str:
    if not data.topics:
        return "<p class=muted>No sessions this period.</p>"
    rows = "".join(
        f"<tr><th>{escape(t.topic)}</th><td class=num>{t.sessions}</td><td class=num>{t.learners}</td>"
        f"<td class=num>{'' if t.average_rating is None else f'{t.average_rating:.1f}★'}</td></tr>"
        for t in data.topics)
    more = f"<p class=muted>…and {counted(data.more_topics, 'more topic')}.</p>" if data.more_topics else ""
    return (f"<table class=topics><tr><th>Topic</th><th class=num>Sessions</th><th class=num>Learners</th>"
            f"<th class=num>Rating</th></tr>{rows}</table>{more}")


def _voices_html(data: DigestData) -> str:
    """Best and most critical comments, marked by colour rather than emoji (printers and fonts lack them)."""
    items = [(v, "good") for v in data.praise] + [(v, "bad") for v in data.concerns]
    if not items:
        return "<p class=muted>No written comments this period.</p>"
    return "<ul class=voices>" + "".join(
        f"<li class={kind}>“{escape(' '.join(v.comment.split()))}” — on <b>{escape(v.title)}</b> ({v.rating}★)</li>"
        for v, kind in items) + "</ul>"


def _list_html(lines: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{_inline(line.lstrip('• '))}</li>" for line in lines) + "</ul>"


STYLE = """
@page { size: A4; margin: 11mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 186mm; color: #1f2933; font: 8.6pt/1.32 "DejaVu Sans", "Helvetica Neue", Arial,
       sans-serif; }
header { border-bottom: 2px solid #3b6fb6; padding-bottom: 2mm; margin-bottom: 2.5mm; }
h1 { font-size: 14pt; margin: 0; color: #1d3f6e; }
.sub { color: #52606d; font-size: 8pt; }
.headline { font-size: 10.5pt; margin: 0 0 2.5mm; }
h2 { font-size: 9.5pt; margin: 2.5mm 0 1mm; color: #1d3f6e; text-transform: uppercase; letter-spacing: .03em; }
.cols { display: flex; gap: 5mm; }
.cols > div { flex: 1; min-width: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .55mm 1mm; border-bottom: 1px solid #e4e7eb; vertical-align: top; text-align: left; }
th { font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
.chg { text-align: center; white-space: nowrap; color: #52606d; }
.formula { font-weight: normal; color: #7b8794; font-size: 7pt; font-style: italic; }
.chart { width: 100%; height: 58mm; object-fit: contain; display: block; margin: 1mm 0; }
ul { margin: .5mm 0; padding-left: 4mm; }
li { margin: .4mm 0; }
.muted, footer { color: #7b8794; }
.note { background: #f5f7fa; padding: 1.2mm 2mm; border-radius: 1mm; }
footer { margin-top: 2mm; font-size: 7pt; border-top: 1px solid #e4e7eb; padding-top: 1mm; }
code { font-size: 7.5pt; }
.voices { list-style: none; padding-left: 0; }
.voices li { border-left: 3px solid #3b6fb6; padding-left: 2mm; }
.voices li.bad { border-left-color: #d9822b; }
"""


def html(data: DigestData, chart_png: bytes | None, *, community: str, generated: datetime) -> str:
    """The one-pager as one self-contained HTML document (no script, no external resource)."""
    value = _rows_html(data.value, data) if data.value else ""
    if not data.has_rates:
        value += f'<p class=note>{_inline(HOW_TO_SET.removeprefix("💡 "))}</p>'
    reach = f"<p><b>Reach:</b> {escape(data.reach)}.</p>" if data.reach else ""
    chart = (f'<img class=chart alt="{escape(chat.chart_title(data))}" '
             f'src="data:image/png;base64,{base64.b64encode(chart_png).decode()}">' if chart_png else "")
    low = f"<p>{_inline(chat.low_rated_line(data))}</p>" if data.low_rated else ""
    overloaded = (f"{counted(len(data.overloaded), 'trainer')} above the burnout threshold (more than "
                  f"{counted(data.burnout_threshold, 'session')} in 4 weeks): worth a check-in"
                  if data.overloaded else "no trainer above the burnout threshold")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Guild one-pager — {escape(data.span.label)} — {escape(community)}</title>
<style>{STYLE}</style></head>
<body>
<header><h1>Internal trainers' community — {escape(data.span.label)}</h1>
<div class=sub>{escape(community)} · compared with {escape(data.before.label)} · totals {escape(_since(data))}</div>
</header>
<p class=headline>{escape(chat.headline(data))}</p>
<div class=cols>
<div><h2>Delivery and participation</h2>{_rows_html(data.delivery, data)}</div>
<div><h2>Value</h2>{value}{reach}
<h2>By topic</h2>{_topics_html(data)}
<h2>Demand</h2>{_list_html(chat.demand_lines(data))}</div>
</div>
<h2>Week by week</h2>{chart}
<div class=cols>
<div><h2>What learners said</h2>{_voices_html(data)}</div>
<div><h2>For trainers' leads</h2>{low or "<p class=muted>No session averaged below 3.5★.</p>"}
<p>Workload: {escape(overloaded)}.</p></div>
</div>
<footer>Counted by Guild: a session counts in the period it was held (its start), learners are attendees,
learner-hours are attendees × length. Generated {generated:%d %b %Y %H:%M} UTC.</footer>
</body></html>
"""


def markdown(data: DigestData, chart_file: str | None, *, community: str, generated: datetime) -> str:
    """The one-pager as Markdown for a wiki; ``chart_file`` is the chart PNG's name beside it."""
    def table(figures: list[Figure]) -> list[str]:
        rows = [f"| | {data.span.short} | vs before | {_since(data)} |", "|---|---:|:---:|---:|"]
        for f in figures:
            formula = f"<br>_= {f.formula}_" if f.formula else ""
            total = f.shown(f.total) if f.total is not None else ""
            rows.append(f"| **{f.label}**{formula} | {f.shown()} | {_change(f)} | {total} |")
        return rows

    lines = [f"# Internal trainers' community — {data.span.label}", "",
             f"{community} · compared with {data.before.label} · totals {_since(data)}", "",
             chat.headline(data), "", "## Delivery and participation", "", *table(data.delivery), "", "## Value", ""]
    if data.value:
        lines += [*table(data.value), ""]
    if not data.has_rates:
        lines += [HOW_TO_SET, ""]
    if data.reach:
        lines += [f"**Reach:** {data.reach}.", ""]
    if chart_file:
        lines += ["## Week by week", "", f"![{chat.chart_title(data)}]({chart_file})", ""]
    lines += ["## By topic", ""]
    if data.topics:
        lines += ["| Topic | Sessions | Learners | Rating |", "|---|---:|---:|---:|"]
        lines += [f"| {t.topic} | {t.sessions} | {t.learners} | "
                  f"{'' if t.average_rating is None else f'{t.average_rating:.1f}★'} |" for t in data.topics]
    else:
        lines.append("No sessions this period.")
    lines += ["", "## Demand", "", *(f"- {_md(line.lstrip('• '))}" for line in chat.demand_lines(data)), "",
              "## What learners said", "", *(f"- {_md(line)}" for line in chat.voice_lines(data)), ""]
    if data.low_rated:
        lines += ["## For trainers' leads", "", _md(chat.low_rated_line(data)), ""]
    lines += [f"_Counted by Guild: a session counts in the period it was held; learners are attendees. "
              f"Generated {generated:%d %b %Y %H:%M} UTC._", ""]
    return "\n".join(lines)


def stem(span: spans.Span) -> str:
    return f"guild-report-{span.key}{'-so-far' if span.so_far else ''}"


async def render(data: DigestData, community: Community, fmt: Format, generated: datetime) -> list[Attachment]:
    """The one-pager's files: the HTML page alone, or the Markdown and its chart PNG."""
    title = f"Guild one-pager — {data.span.label}"
    picture = await asyncio.to_thread(charts.png, data.weeks, chat.chart_title(data), width=REPORT_CHART[0],
                                      height=REPORT_CHART[1]) if data.weeks else None
    who = community.name or f"{community.platform}:{community.external_id}"
    if fmt == "html":
        page = html(data, picture, community=who, generated=generated)
        return [Attachment(f"{stem(data.span)}.html", page.encode(), "text/html", title)]
    chart_file = f"{stem(data.span)}-chart.png"
    text = markdown(data, chart_file if picture else None, community=who, generated=generated)
    files = [Attachment(f"{stem(data.span)}.md", text.encode(), "text/markdown", title)]
    if picture:
        files.append(Attachment(chart_file, picture, "image/png", chat.chart_title(data)))
    return files


async def one_pager(session: AsyncSession, community: Community, unit: spans.Unit, at: datetime, default_zone: str,
                    fmt: Format, *, so_far: bool = False) -> list[Attachment]:
    """The one-pager for the last complete ``unit`` before ``at`` (or the current one so far), in ``fmt``."""
    zone = first_zone(community.timezone, default_zone)
    span = spans.so_far(unit, at, zone) if so_far else spans.last_complete(unit, at, zone)
    return await render(await gather(session, community, span, zone), community, fmt, at)
