"""Kudos: thanking people, by command or straight from chat, and the leaderboard.

Rules for every way of giving kudos: nobody thanks themselves (a list that
includes the giver thanks the others), and each person gives at most the
community's ``daily_kudos_limit`` kudos rows a day, counted from their own
local midnight. Each receiver is told privately.

Chat kudos (for the Slack and Teams adapters), run through ``Core.execute``
as the person who gave them:

- ``chat_kudos(receivers, text, source="message", source_ref=ref)`` for a
  message containing the kudos emoji: ``receivers`` are the user ids it
  mentions, ``text`` the message as posted (mentions, ``:emoji:`` codes and
  ``#values`` are understood). Answers a public announcement.
- ``chat_kudos([author], text, source="reaction", source_ref=ref)`` for the
  kudos emoji added as a reaction: the receiver is the message's author and
  the message text becomes the kudos message. Answers a private
  confirmation the adapter may show or drop.
- ``revoke_reaction_kudos(ref)`` when the reaction is removed: deletes the
  reacting person's kudos with that ``source_ref``; answers privately.

``source_ref`` must name the act, so that a retry or an edit of the same
message never counts twice: for a message, the channel and message ts (or
activity id); for a reaction, the message and the person reacting. The
receivers must be in ``Message.people`` (or they are created by user id).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from handlers.context import Context, Refusal, name_of
from handlers.grammar import MAX_TEXT, MENTION, VALUE, KudosForm, KudosGive, KudosOptOut, KudosTop
from handlers.periods import start_of
from handlers.types import Button, Outcome, Reply, Section, private, public
from handlers.usage import USAGE
from handlers.wording import joined
from storage import kudos, members
from storage.models import Member

UseCase = Callable[[Context], Awaitable[Reply | Outcome]]
LEADERBOARD_SIZE = 10
PERIOD_NAMES = {"week": "this week", "month": "this month", "all": "of all time"}
PERIOD_BUTTONS = {"week": "This week", "month": "This month", "all": "All time"}
ALREADY_COUNTED = "Those kudos were already counted."
NOTHING_TO_TAKE_BACK = "There were no kudos from that reaction to take back."
EMOJI_CODE = re.compile(r":[a-z][a-z0-9_+\-']*:")


async def give(ctx: Context, command: KudosGive) -> Reply:
    receivers = [ctx.person(uid) for uid in command.receivers]
    thanked = await _thank(ctx, receivers, command.message, command.values, source="command", source_ref=None)
    if len(thanked) < len(receivers):
        ctx.tell(ctx.member, private("I left you out of that kudos — thanking yourself doesn't count. 🙂"))
    return public(_announcement(ctx.member, thanked, command.message, command.values))


def chat_kudos(receivers: list[str], text: str, *, source: str, source_ref: str) -> UseCase:
    """A use case recording kudos given in chat (see the module docstring)."""

    async def run(ctx: Context) -> Reply:
        people = [ctx.people.get(uid) or await members.member(ctx.session, ctx.community.id, uid) for uid in receivers]
        message = _chat_message(text)
        values = tuple(dict.fromkeys(m.group(1).lower() for w in message.split() if (m := VALUE.match(w))))
        thanked = await _thank(ctx, people, message, values, source=source, source_ref=source_ref)
        if not thanked:
            return private(ALREADY_COUNTED)
        if source == "reaction":
            return private(f"You thanked {joined([name_of(m) for m in thanked])}.")
        return public(_announcement(ctx.member, thanked, message, values))

    return run


def revoke_reaction_kudos(source_ref: str) -> UseCase:
    """A use case taking back the kudos the asker gave with one reaction."""

    async def run(ctx: Context) -> Reply:
        taken = await kudos.revoke(
            ctx.session, community_id=ctx.community.id, giver_id=ctx.member.id, source_ref=source_ref
        )
        if not taken:
            return private(NOTHING_TO_TAKE_BACK)
        names = joined([name_of(m) for m in (await members.by_ids(ctx.session, taken)).values()])
        return private(f"Took back your kudos to {names}.")

    return run


async def top(ctx: Context, command: KudosTop) -> Reply:
    unit = None if command.period == "all" else command.period
    since = start_of(unit, ctx.now, ctx.community_zone()) if unit else None
    board = await kudos.leaderboard(ctx.session, ctx.community.id, since=since, limit=LEADERBOARD_SIZE)
    period = PERIOD_NAMES[command.period]
    others = tuple(Button(label, f"kudos top {p}") for p, label in PERIOD_BUTTONS.items() if p != command.period)
    if not board:
        return private(f"No kudos {period} yet — be the first: `kudos @someone thanks for …`.", buttons=others)
    lines = "\n".join(f"{rank}. {name_of(member)} — {count} kudos" for rank, (member, count) in enumerate(board, 1))
    return private(
        f"Most thanked {period}:", title="Kudos leaderboard", sections=(Section(text=lines),), buttons=others
    )


async def opt_out(ctx: Context, command: KudosOptOut) -> Reply:
    ctx.member.leaderboard_opt_out = command.opt_out
    if command.opt_out:
        return private("Done — you won't appear on the kudos leaderboard. Kudos to you still count and reach you.")
    return private("Welcome back to the kudos leaderboard.")


async def form(ctx: Context, command: KudosForm) -> Reply:
    return private(
        "Mention who you'd like to thank and say what they did, e.g. "
        "`kudos @ana thanks for the patient SQL walkthrough #teamwork`.",
        title="Give kudos",
        sections=(Section(text=f"Usage: `{USAGE['kudos']}`"),),
    )


async def _thank(
    ctx: Context,
    receivers: list[Member],
    message: str,
    values: tuple[str, ...],
    *,
    source: str,
    source_ref: str | None,
) -> list[Member]:
    """Record kudos from the asker to ``receivers`` under the rules; returns who was thanked."""
    if not receivers:
        raise Refusal("Mention who you'd like to thank.", usage=USAGE["kudos"])
    others = list({m.id: m for m in receivers if m.id != ctx.member.id}.values())
    if not others:
        raise Refusal("You can't give kudos to yourself — but who helped you lately? Thank them!")
    if source_ref is not None:
        counted = await kudos.thanked_from(ctx.session, ctx.community.id, source_ref)
        others = [m for m in others if m.id not in counted]
        if not others:
            return []
    limit = ctx.community.daily_kudos_limit
    used = await kudos.given_since(ctx.session, ctx.member.id, start_of("day", ctx.now, ctx.zone(ctx.member)))
    left = max(limit - used, 0)
    if len(others) > left:
        if left == 0:
            raise Refusal(f"You've given all {limit} of today's kudos — what a generous day! More tomorrow.")
        raise Refusal(
            f"You have {left} kudos left today (the daily limit is {limit}), not enough to thank "
            f"{len(others)} people. Thank fewer people now, or the rest tomorrow."
        )
    recorded = await kudos.record(
        ctx.session,
        community_id=ctx.community.id,
        giver_id=ctx.member.id,
        receiver_ids=[m.id for m in others],
        message=message,
        values=values,
        channel=ctx.channel,
        source=source,
        source_ref=source_ref,
        at=ctx.now,
    )
    thanked = [m for m in others if m.id in recorded]
    for receiver in thanked:
        ctx.tell(receiver, private(f"🎉 {name_of(ctx.member)} thanked you{_said(message, values)}"))
    return thanked


def _announcement(giver: Member, thanked: list[Member], message: str, values: tuple[str, ...]) -> str:
    return f"{name_of(giver)} thanked {joined([name_of(m) for m in thanked])}{_said(message, values)}"


def _said(message: str, values: tuple[str, ...]) -> str:
    """``: “message” #values`` — values already written in the message are not repeated."""
    tags = [f"#{v}" for v in values if f"#{v}" not in message.lower().split()]
    said = " ".join(([f"“{message}”"] if message else []) + tags)
    return f": {said}" if said else ""


def _chat_message(text: str) -> str:
    """The words of a chat message, without mentions and emoji codes."""
    return " ".join(EMOJI_CODE.sub(" ", MENTION.sub(" ", text)).split())[:MAX_TEXT]


ROUTES = {KudosGive: give, KudosTop: top, KudosOptOut: opt_out, KudosForm: form}
