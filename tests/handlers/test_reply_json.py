"""A reply survives the outbox: JSON and back gives the same reply, every field a renderer reads included."""

from __future__ import annotations

from handlers import reply_json
from handlers.types import Attachment, Button, Chart, Reply, Section, Series


def test_a_full_reply_comes_back_equal_with_names_charts_and_files() -> None:
    png = Attachment("chart.png", bytes(range(256)), "image/png", "Learner-hours")
    reply = Reply(
        text="Thanks <@U2> — «great» demo 🎉",
        title="Roundup",
        sections=(Section("Top", fields=(("Kudos", "12"), ("Hours", "3.5")),
                          buttons=(Button("Sign up", "signup 4", "primary"),)),),
        buttons=(Button("Cancel", "cancel 4", "danger"), Button("Later", "sessions")),
        public=True,
        more=3,
        names={"U2": "Ben"},
        chart=Chart("Weekly", ("W1", "W2"), (Series("sessions", (1.0, None)),), Series("rating", (4.5, 4.75)), png),
        files=(Attachment("report.html", b"<html>\x00</html>", "text/html", "Report"),),
    )

    back = reply_json.loads(reply_json.dumps(reply))

    assert back == reply
    assert back.names == {"U2": "Ben"}  # names are not part of equality; compared on their own


def test_a_plain_reply_stays_plain() -> None:
    reply = Reply(text="You're signed up.")
    assert reply_json.loads(reply_json.dumps(reply)) == reply
