"""The neutral values that cross the line between adapters and the core.

Adapters translate a platform payload into a ``Message`` and render a ``Reply``
back into Block Kit, an Adaptive Card or terminal text. Nothing here knows a
platform; a mention is always written ``<@USER_ID>`` in ``Message.text`` and
the adapter says who that is in ``Message.people``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any, Literal, Protocol

# What PostgreSQL refuses in text (NUL) and what cannot be encoded as UTF-8 at all (a lone surrogate, which a
# JSON body can carry as "\ud800"); either would fail the transaction, after the person was acknowledged.
_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` without NUL characters, lone surrogates replaced by U+FFFD; everything else kept as typed."""
    if _NUL in text:
        text = text.replace(_NUL, "")
    if _SURROGATE.search(text):
        text = _SURROGATE.sub("\ufffd", text)
    return text


def _clean_fields(value: Any) -> None:
    """Clean every ``str`` field of a frozen dataclass in place, where it is built (so every platform gets it)."""
    for item in fields(value):
        current = getattr(value, item.name)
        if isinstance(current, str):
            object.__setattr__(value, item.name, clean_text(current))


@dataclass(frozen=True)
class CommunityRef:
    """A Slack workspace (``T…``), a Teams tenant, or the console's one community."""

    platform: str
    external_id: str
    name: str | None = None

    def __post_init__(self) -> None:
        _clean_fields(self)


@dataclass(frozen=True)
class PersonRef:
    """A person as the platform knows them. ``timezone`` is an IANA name when known."""

    user_id: str
    display_name: str | None = None
    timezone: str | None = None

    def __post_init__(self) -> None:
        _clean_fields(self)


class InboxRow(Protocol):
    """A recorded delivery as the core settles it: its inbox ``key``, and ``settled`` once marked done."""

    key: str
    settled: bool


@dataclass(frozen=True)
class Message:
    """One command from a person, as typed or as a button / form submit.

    ``text`` is the command without any leading slash or bot mention, e.g.
    ``kudos <@U2> thanks for the demo #craft``. ``delivery_key`` identifies the
    platform delivery (event id, activity id, action id) so that a retry or a
    double click is recognised and ignored.

    ``durable``: the delivery is kept (the inbox) and run again until it has
    finished, so a run that died after its commit is followed by a duplicate
    that answers nothing. The core then writes a public answer to the outbox
    with the change (posted exactly once, in ``channel``'s ``thread`` when
    given) and leaves the adapter nothing public to post.

    ``inbox``: the inbox row this message is the whole work of. The core marks
    it done in the use case's own transaction — the change and "done" commit
    together, and a second run finds it done: a duplicate — so it needs no
    delivery key of its own and no transaction of its own to be finished.
    """

    community: CommunityRef
    author: PersonRef
    text: str
    channel: str | None = None
    people: dict[str, PersonRef] = field(default_factory=dict)
    delivery_key: str | None = None
    thread: str | None = None
    durable: bool = False
    inbox: InboxRow | None = None

    def __post_init__(self) -> None:
        """Text PostgreSQL would refuse is removed here, before any SQL, for every platform (see ``clean_text``)."""
        _clean_fields(self)
        if any(_NUL in key or _SURROGATE.search(key) for key in self.people):
            object.__setattr__(self, "people", {clean_text(key): person for key, person in self.people.items()})


@dataclass(frozen=True)
class Button:
    """An action that runs ``command`` (grammar text) as the person who clicks it."""

    label: str
    command: str
    style: Literal["primary", "danger"] | None = None


@dataclass(frozen=True)
class Section:
    text: str = ""
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Attachment:
    """A file that goes with a reply: the digest's chart, the one-pager report."""

    filename: str
    content: bytes = field(repr=False)
    mime: str
    title: str


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]


@dataclass(frozen=True)
class Chart:
    """A chart's data, for platforms that draw charts themselves (Teams), and its picture for the rest.

    ``bars`` share the ``labels`` axis; ``line`` (optional) is drawn on its own scale.
    """

    title: str
    labels: tuple[str, ...]
    bars: tuple[Series, ...]
    line: Series | None
    image: Attachment


@dataclass(frozen=True)
class Reply:
    """What the core answers. Private replies go only to the person who asked.

    ``more`` counts items the core left out of ``sections`` so that renderers
    that must shorten further can say "and N more" truthfully. ``chart`` and
    ``files`` travel beside the text: Slack uploads them, Teams draws the chart
    in the card, the console writes them to files and prints their paths. People appear in
    texts as ``<@USER_ID>``; ``names`` maps those ids to display names for
    platforms that cannot render the token themselves.
    """

    text: str
    title: str | None = None
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    public: bool = False
    more: int = 0
    names: dict[str, str] = field(default_factory=dict, compare=False)
    chart: Chart | None = None
    files: tuple[Attachment, ...] = ()

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        """Every file to deliver with the message: the chart's picture first, then the documents."""
        return ((self.chart.image,) if self.chart else ()) + self.files


@dataclass(frozen=True)
class Recipient:
    """A person to tell something privately (a DM)."""

    community: CommunityRef
    user_id: str


@dataclass(frozen=True)
class Notice:
    """Something to tell a person other than the one who asked, sent after commit."""

    to: Recipient
    reply: Reply


@dataclass(frozen=True)
class Outcome:
    """A use case's answer to the person who asked, plus notices to others."""

    reply: Reply
    notices: tuple[Notice, ...] = ()


def private(text: str, **kwargs: object) -> Reply:
    return Reply(text=text, public=False, **kwargs)  # type: ignore[arg-type]


def public(text: str, **kwargs: object) -> Reply:
    return Reply(text=text, public=True, **kwargs)  # type: ignore[arg-type]
