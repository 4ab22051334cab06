"""A person's dashboard: what is coming up for them and the thanks they received lately.

It is not a typed command; platforms with a home surface (Slack's App Home)
run it through ``Core.execute`` and show it beside ``me`` and ``sessions``, so
the dashboard and the commands can never disagree.
"""

from __future__ import annotations

from handlers.context import Context, name_of
from handlers.sessions import seat_button, when
from handlers.types import Button, Reply, Section, private
from storage import kudos, sessions

SHOWN = 5


async def dashboard(ctx: Context) -> Reply:
    attending, training = await sessions.upcoming_for(ctx.session, ctx.member.id, now=ctx.now, limit=SHOWN)
    thanks = await kudos.received(ctx.session, ctx.member.id, limit=SHOWN)
    parts = [
        Section(text="*Your upcoming sessions*\n" + ("" if attending else "None yet — `sessions` lists what's on.")),
        *(
            Section(
                text=f"*{s.title}* — session {s.id}" + (" (waitlisted)" if status == "waitlisted" else ""),
                fields=(("When", when(ctx, s.starts_at)), *((("Where", s.location),) if s.location else ())),
                buttons=(seat_button(s.id, status),),
            )
            for s, status in attending
        ),
    ]
    if training:
        parts.append(Section(text="*Sessions you're training*"))
        parts.extend(
            Section(
                text=f"*{s.title}* — session {s.id}",
                fields=(("When", when(ctx, s.starts_at)), ("Seats taken", f"{s.taken} of {s.seats}")),
                buttons=(Button("Show", f"session show {s.id}"),),
            )
            for s in training
        )
    received = "\n".join(f"• {name_of(giver)}: “{k.message}”" for k, giver in thanks)
    parts.append(Section(text="*Kudos you received lately*\n" + (received or "None yet.")))
    return private(f"Hello {name_of(ctx.member)} — here's what's coming up for you.", title="Your Guild",
                   sections=tuple(parts))
