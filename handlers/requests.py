"""Topic requests: anyone says what they want to learn; the most wanted topics get trainers' attention.

``request <topic>[: why]`` opens a request or joins the open one on that topic
(topics compare as slugs); its card carries a "+1" button that runs the same
command for whoever clicks it. When ``request-threshold`` people are behind a
request, the active trainers of that topic are told, once. When a session on
the topic is scheduled, the request is answered: it becomes ``scheduled`` and
everyone who asked is told, with the sign-up button.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from handlers.context import Context, name_of
from handlers.report_text import counted
from handlers.tokens import MAX_TEXT, MAX_TOPIC, UsageError, read_topic
from handlers.types import Button, Reply, Section, private, public
from storage import requests
from storage.models import Community, Member, TopicRequest, TrainingSession

REQUEST_THRESHOLD = 3
LIST_LIMIT = 10


def request_threshold(community: Community) -> int:
    """How many people a request needs before its topic's trainers hear of it (``request-threshold``)."""
    return community.request_threshold or REQUEST_THRESHOLD


@dataclass(frozen=True)
class RequestTopic:
    """``request <topic>[: why]``: ask for a session on a topic, or join the open request for it."""

    topic: str
    reason: str | None = None


@dataclass(frozen=True)
class RequestsList:
    topic: str | None = None


def parse_request(rest: str) -> RequestTopic:
    raw, _, why = rest.partition(":")
    topic = read_topic(raw)
    if not topic:
        raise UsageError("What would you like to learn? e.g. `request public speaking: I present to clients`.",
                         "request")
    if len(topic) > MAX_TOPIC:
        raise UsageError(f"Topics are limited to {MAX_TOPIC} characters; say more after a colon.", "request")
    reason = why.strip() or None
    if reason and len(reason) > MAX_TEXT:
        raise UsageError(f"Keep the why under {MAX_TEXT} characters.", "request")
    return RequestTopic(topic, reason)


def parse_requests(rest: str) -> RequestsList:
    topic = read_topic(rest) if rest else None
    if topic is not None and (not topic or len(topic) > MAX_TOPIC):
        raise UsageError("Give a topic name, like `requests sql`.", "requests")
    return RequestsList(topic)


def plus_one(topic: str) -> Button:
    return Button("+1", f"request {topic}", "primary")


def _card(request: TopicRequest, requester: Member, supporters: int) -> Section:
    fields = [("Asked by", name_of(requester)), ("People who want it", str(supporters))]
    if request.reason:
        fields.append(("Why", request.reason))
    return Section(text=f"*{request.topic}* — request {request.id}", fields=tuple(fields),
                   buttons=(plus_one(request.topic),))


async def ask(ctx: Context, command: RequestTopic) -> Reply:
    """Open or join the request; at the threshold, tell the topic's active trainers (once)."""
    asked = await requests.ask(ctx.session, community_id=ctx.community.id, topic=command.topic,
                               member_id=ctx.member.id, reason=command.reason, at=ctx.now)
    request = asked.request
    wanted = f"{counted(asked.supporters, 'person', 'people')} want a session on *{request.topic}*"
    if not asked.joined:
        return private(f"You're already behind this request — {wanted}. I'll tell you when one is scheduled.")
    told = await _tell_trainers(ctx, request, asked.supporters)
    if asked.opened:
        return public(
            f"{name_of(ctx.member)} asked for a session on *{request.topic}*. Want it too? Press +1.",
            sections=(_card(request, ctx.member, asked.supporters),),
        )
    news = f" That's enough for me to tell the {counted(told, 'trainer')} of this topic." if told else ""
    return private(f"Added you — {wanted}.{news} I'll tell you when a session is scheduled.")


async def _tell_trainers(ctx: Context, request: TopicRequest, supporters: int) -> int:
    if supporters < request_threshold(ctx.community) or request.trainers_told_at is not None:
        return 0
    trainers = await requests.trainers_for(ctx.session, ctx.community.id, request.topic)
    if not await requests.mark_trainers_told(ctx.session, request.id, ctx.now):
        return 0
    why = f" One of them says: “{request.reason}”." if request.reason else ""
    for trainer in trainers:
        ctx.tell(trainer, private(
            f"{counted(supporters, 'person', 'people')} asked for a session on *{request.topic}*, one of your "
            f"topics.{why} Could you run one? `session new \"<title>\" <YYYY-MM-DD> <HH:MM> <minutes>m <seats> "
            f"#{request.topic}` — everyone who asked will hear of it.",
            buttons=(Button("See the requests", f"requests {request.topic}"),)))
    return len(trainers)


async def listing(ctx: Context, command: RequestsList) -> Reply:
    rows, total = await requests.open_requests(ctx.session, ctx.community.id, topic=command.topic,
                                               limit=LIST_LIMIT)
    about = f" on {command.topic}" if command.topic else ""
    if not rows:
        return private(f"No open requests{about}. Ask for a topic with `request <topic>: why`.")
    sections = tuple(_card(row.request, row.requester, row.supporters) for row in rows)
    return private(f"{counted(total, 'open request')}{about}, most wanted first.", title="Topic requests",
                   sections=sections, more=total - len(sections))


async def answer(ctx: Context, session: TrainingSession, when: Callable[[Member], str]) -> int:
    """A session on a requested topic was scheduled: the request is answered and everyone who asked is told.

    ``when(person)`` writes the session's start as that person reads it. Returns how many were told.
    A trainers-only session answers nobody: most who asked could not take a seat in it.
    """
    if not session.topic or session.trainers_only:
        return 0
    request = await requests.schedule(ctx.session, community_id=ctx.community.id, topic=session.topic,
                                      session_id=session.id, at=ctx.now)
    if request is None:
        return 0
    told = 0
    for person in await requests.supporters(ctx.session, request.id):
        if person.id == session.trainer_id:
            continue
        ctx.tell(person, private(
            f"Good news — you asked for a session on *{request.topic}*, and {name_of(ctx.member)} scheduled "
            f"one: *{session.title}*, {when(person)} (session {session.id}).",
            buttons=(Button("Sign up", f"signup {session.id}", "primary"),)))
        told += 1
    return told


PARSERS = {"request": parse_request, "requests": parse_requests}
ROUTES = {RequestTopic: ask, RequestsList: listing}
