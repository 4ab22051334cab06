"""The digest's chart: learners and sessions per week over the last 12 weeks, with the average rating.

Rendered offline by matplotlib's own Agg renderer (no browser, no system
packages, no network), imported on first use so that Guild starts as fast as
before and only a digest pays for it. The PNG is drawn at a fixed size and
reduced to a small palette, so that it fits in a Teams card as a data URI and
uploads quickly to Slack.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

from handlers.digest_data import Week

WIDTH_PX, HEIGHT_PX, DPI = 800, 400, 100
BAR_LEARNERS, BAR_SESSIONS, LINE_RATING = "#3b6fb6", "#9cc3e6", "#d9822b"
_lock = threading.Lock()  # pyplot's state is global; one chart at a time


def week_label(week: Week) -> str:
    return f"{week.first.day} {week.first:%b}"


def png(weeks: Sequence[Week], title: str, *, width: int = WIDTH_PX, height: int = HEIGHT_PX) -> bytes:
    """The chart as a PNG of ``width`` × ``height`` pixels (the digest's 800 × 400 unless asked otherwise)."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    labels = [week_label(w) for w in weeks]
    x = list(range(len(weeks)))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    bars, rating = figure.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 1.2], "hspace": 0.12})
    bar = 0.4
    # Sessions get their own scale on the right: beside hundreds of learners, a dozen sessions would vanish.
    sessions = bars.twinx()
    drawn = [bars.bar([i - bar / 2 for i in x], [w.learners for w in weeks], bar, color=BAR_LEARNERS,
                      label="Learners (left)"),
             sessions.bar([i + bar / 2 for i in x], [w.sessions for w in weeks], bar, color=BAR_SESSIONS,
                          label="Sessions (right)")]
    bars.set_title(title, fontsize=11, loc="left")
    for axes in (bars, sessions):
        axes.set_ylim(0, max([1, *(bar_.get_height() for bar_ in axes.patches)]) * 1.18)  # room for the legend
        axes.yaxis.get_major_locator().set_params(integer=True)
    bars.legend(handles=drawn, loc="upper left", fontsize=8, frameon=False, ncols=2)
    sessions.spines[["top", "left"]].set_visible(False)
    sessions.tick_params(labelsize=7)
    averages = [w.average_rating for w in weeks]
    rated = [(i, a) for i, a in zip(x, averages, strict=True) if a is not None]
    if rated:
        rating.plot([i for i, _ in rated], [a for _, a in rated], marker="o", color=LINE_RATING, linewidth=1.5)
    rating.set_ylim(1, 5.3)
    rating.set_yticks([1, 3, 5])
    rating.set_ylabel("avg ★", fontsize=8)
    rating.set_xticks(x, labels, fontsize=7)
    for axes in (bars, rating):
        _tidy(axes)
    figure.subplots_adjust(left=0.07, right=0.95, top=0.91, bottom=0.09)
    raw = io.BytesIO()
    with _lock:
        figure.savefig(raw, format="png", dpi=DPI)
    return _small(raw.getvalue())


def _tidy(axes: Any) -> None:
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=7)
    axes.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    axes.set_axisbelow(True)


def _small(data: bytes) -> bytes:
    """The same picture in a 64-colour palette: a third of the bytes, no visible difference for flat colours."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        reduced = image.convert("RGB").quantize(colors=64)
        out = io.BytesIO()
        reduced.save(out, format="PNG", optimize=True)
        return out.getvalue()
