"""A ``Reply`` as JSON and back, losslessly: how a notice waits in the outbox between its commit and its delivery.

Everything a renderer reads survives the trip — sections, fields, buttons and
their styles, the names of people, the chart's data and picture, the files —
so a notice delivered by another process, or after a restart, looks exactly
like one delivered at once. File contents travel as base64.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from handlers.types import Attachment, Button, Chart, Reply, Section, Series


def dumps(reply: Reply) -> str:
    return json.dumps(_reply(reply), ensure_ascii=False, separators=(",", ":"))


def loads(text: str) -> Reply:
    data = json.loads(text)
    chart = data.get("chart")
    return Reply(
        text=data["text"],
        title=data.get("title"),
        sections=tuple(Section(text=s["text"], fields=tuple((k, v) for k, v in s["fields"]),
                               buttons=tuple(_button(b) for b in s["buttons"])) for s in data["sections"]),
        buttons=tuple(_button(b) for b in data["buttons"]),
        public=data["public"],
        more=data["more"],
        names=dict(data["names"]),
        chart=Chart(title=chart["title"], labels=tuple(chart["labels"]),
                    bars=tuple(_series(s) for s in chart["bars"]),
                    line=_series(chart["line"]) if chart["line"] else None,
                    image=_attachment(chart["image"])) if chart else None,
        files=tuple(_attachment(f) for f in data["files"]),
    )


def _reply(reply: Reply) -> dict[str, Any]:
    chart = reply.chart
    return {
        "text": reply.text,
        "title": reply.title,
        "sections": [{"text": s.text, "fields": [list(f) for f in s.fields],
                      "buttons": [_button_json(b) for b in s.buttons]} for s in reply.sections],
        "buttons": [_button_json(b) for b in reply.buttons],
        "public": reply.public,
        "more": reply.more,
        "names": reply.names,
        "chart": {"title": chart.title, "labels": list(chart.labels),
                  "bars": [_series_json(s) for s in chart.bars],
                  "line": _series_json(chart.line) if chart.line else None,
                  "image": _attachment_json(chart.image)} if chart else None,
        "files": [_attachment_json(f) for f in reply.files],
    }


def _button_json(button: Button) -> dict[str, Any]:
    return {"label": button.label, "command": button.command, "style": button.style}


def _button(data: dict[str, Any]) -> Button:
    return Button(label=data["label"], command=data["command"], style=data["style"])


def _series_json(series: Series) -> dict[str, Any]:
    return {"name": series.name, "values": list(series.values)}


def _series(data: dict[str, Any]) -> Series:
    return Series(name=data["name"], values=tuple(data["values"]))


def _attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {"filename": attachment.filename, "content": base64.b64encode(attachment.content).decode("ascii"),
            "mime": attachment.mime, "title": attachment.title}


def _attachment(data: dict[str, Any]) -> Attachment:
    return Attachment(filename=data["filename"], content=base64.b64decode(data["content"]), mime=data["mime"],
                      title=data["title"])
