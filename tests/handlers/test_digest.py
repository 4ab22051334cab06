"""The leadership digest: every figure against the previous period and since the start, money with its
formula, reach, topics, demand, balanced voices, honest trends, and the periods leaders ask for.

The community and the hand-computed figures are in ``tests/handlers/digest_seed.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers import spans
from handlers.digest import digest_reply, parse_digest
from handlers.digest_data import change, gather, settings_of
from handlers.digest_money import HOW_TO_SET, MoneySettings
from handlers.tokens import UsageError
from handlers.types import Reply
from storage import members
from tests.fakes import Chat, FakeClock
from tests.handlers.digest_seed import REPORT_AT, SETTINGS, at, two_quarters
from tests.scheduler.seed import Seed

UTC_ZONE = ZoneInfo("UTC")
Q4 = spans.last_complete("quarter", REPORT_AT, UTC_ZONE)


@pytest.fixture
async def seed(uow) -> Seed:  # type: ignore[no-untyped-def]
    seed = Seed(uow)
    await two_quarters(seed)
    return seed


async def digest(seed: Seed, span: spans.Span = Q4, settings: MoneySettings = SETTINGS) -> Reply:
    async with seed.uow() as uow:
        community = await members.find_community(uow.session, seed.community_id)
        assert community is not None
        return digest_reply(await gather(uow.session, community, span, UTC_ZONE, settings=settings))


def fields(reply: Reply) -> dict[str, str]:
    return {label: value for section in reply.sections for label, value in section.fields}


def section(reply: Reply, heading: str) -> str:
    return next(s.text for s in reply.sections if s.text.startswith(heading))


async def test_every_figure_comes_with_its_change_and_its_total_since_the_first_session(seed: Seed) -> None:
    reply = await digest(seed)
    assert reply.public and reply.title == "Leadership digest — Q4 2026"
    assert reply.text == "In Q4 2026, 7 learners trained (+5); 9 learners since Jul 2026."
    assert fields(reply) == {
        "Sessions delivered": "4  (+3) · 5 since Jul 2026",
        "Training hours": "5.5 h  (+4.5 h) · 6.5 h since Jul 2026\n_= the sessions' lengths_",
        "Learners trained": "7  (+5) · 9 since Jul 2026\n_= attendees of the sessions held_",
        "Unique learners": "6  (+4) · 6 since Jul 2026",
        "Learner-hours": "9.5 h  (+7.5 h) · 11.5 h since Jul 2026\n_= 7 attendances × their sessions' lengths_",
        "Trainer time invested": "16.5 h  (+13.5 h) · 19.5 h since Jul 2026\n"
                                 "_= 5.5 h delivery + 5.5 h × 2 preparation (prep-ratio)_",
        "Attendance rate": "88%  (▼ 13 pts)",
        "Average rating": "3.2 / 5  (−0.8)",
        "Feedback response rate": "71%  (▲ 21 pts)",
        "Active trainers": "2  (+1)",
        "New volunteers": "1  (new)",
        "Kudos given": "3  (+2)",
        "External cost avoided": "€1,650  (▲ 450%) · €1,950 since Jul 2026\n"
                                 "_= 5.5 h delivered × €300/h external rate_",
        "Internal cost of time invested": "€990  (▲ 450%) · €1,170 since Jul 2026\n"
                                          "_= 16.5 h invested × €60/h internal rate_",
        "Net value": "€660  (▲ 450%) · €780 since Jul 2026\n_= €1,650 avoided − €990 internal cost_",
        "Return": "1.7 : 1 · 1.7 : 1 since Jul 2026\n_= €1,650 avoided ÷ €990 internal cost_",
    }
    assert "🎯 Reach: 15% of the 40 employees learned something this period; 15% since the first session." \
        in section(reply, "📊 *Delivery*")


async def test_without_rates_the_digest_shows_hours_and_how_to_set_them(seed: Seed) -> None:
    reply = await digest(seed, settings=MoneySettings())
    assert section(reply, "💶 *Value*") == f"💶 *Value*\n{HOW_TO_SET}"
    assert "External cost avoided" not in fields(reply)
    assert fields(reply)["Trainer time invested"].endswith("_= 5.5 h delivery (no prep-ratio set)_")
    assert "Reach" not in section(reply, "📊 *Delivery*")


async def test_topics_demand_and_voices_good_and_bad_without_names(seed: Seed) -> None:
    reply = await digest(seed)
    assert section(reply, "🗂") == ("🗂 *By topic*\n• *sql* — 2 sessions, 4 learners, 3.7★\n"
                                    "• *git* — 2 sessions, 3 learners, 2.5★")
    assert section(reply, "📥") == ("📥 *Demand*\n• *sql* — 1 person waitlisted, 1 session full\n"
                                    "• *git* — 1 session full")
    assert section(reply, "💬") == (
        "💬 *What learners said*\n"
        "👍 “The hands-on exercises made indexes finally click” — on *Intro to SQL* (5★)\n"
        "👍 “Good pace” — on *Intro to SQL* (4★)\n"
        "⚠️ “Too much theory, no examples” — on *Git basics* (2★)\n"
        "⚠️ “Too fast for a beginner” — on *Intro to SQL* (2★)")
    assert section(reply, "📉") == ("📉 *For trainers' leads*\n1 session averaged below 3.5★: *Git basics* (2.5★ "
                                    "from 2 ratings). Worth a word with their trainers' leads.")
    voices = section(reply, "💬") + section(reply, "📉")
    assert "<@" not in voices and "Cara" not in voices and "Fay" not in voices
    assert section(reply, "🧭") == ("🧭 *Trainer workload*\nSessions per trainer: <@tara> 2, <@tom> 2.\n"
                                    "✅ No trainer above the burnout threshold (more than 12 sessions in the 4 weeks "
                                    "to the end of the period).\n✅ Nobody above 24 h of delivery in those 4 weeks.\n"
                                    "✅ No repetition (the same program or title more than 8 times in those 4 weeks).")


async def test_a_quiet_period_after_the_start_raises_no_alarm(seed: Seed) -> None:
    """Q1 2027 is empty: small previous values change by absolute amounts, no "▼ 100%" for 1 → 0."""
    reply = await digest(seed, spans.last_complete("quarter", datetime(2027, 4, 2, tzinfo=UTC), UTC_ZONE))
    shown = fields(reply)
    assert shown["Sessions delivered"] == "0  (−4) · 5 since Jul 2026"
    assert shown["New volunteers"] == "0  (−1)"
    assert shown["Learners trained"].startswith("0  (−7) · 9 since Jul 2026")
    assert shown["Learner-hours"].startswith("0 h  (−9.5 h)") and shown["Kudos given"] == "0  (−3)"
    assert shown["Trainer time invested"].startswith("0 h  (▼ 100%)")  # 16.5 h before: a real drop, said so
    assert section(reply, "💬") == "💬 *What learners said*\nNo written comments this period."
    assert section(reply, "📥") == "📥 *Demand*\nNo waitlists and no full sessions this period."


def test_trends_are_percentages_only_from_ten() -> None:
    assert change(12, 10) == "▲ 20%"
    assert change(5, 10) == "▼ 50%"
    assert change(4, 1) == "+3"
    assert change(0, 1) == "−1"
    assert change(3, 0) == "new"
    assert change(0, 0) == "" and change(7, 7) == ""
    assert change(None, 0.5, "rate") == ""
    assert change(0.75, 0.5, "rate") == "▲ 25 pts"
    assert change(2.5, 1.0, "hours") == "+1.5 h"
    assert change(4.2, 4.5, "rating") == "−0.3"
    assert change(120.0, 100.0, "money", "EUR") == "▲ 20%" and change(5.0, 2.0, "money", "EUR") == "+€3"


def test_the_digest_command_reads_periods_and_so_far() -> None:
    assert parse_digest("") == parse_digest("month")
    assert parse_digest("quarter so far") == parse_digest("QUARTER  so  far")
    found = parse_digest("year so far")
    assert (found.period, found.so_far) == ("year", True)
    for bad in ("fortnight", "quarter so", "month report please", "so far month"):
        with pytest.raises(UsageError):
            parse_digest(bad)


async def test_so_far_is_the_current_period_to_date_against_the_same_stretch_before(
    seed: Seed, chat: Chat, clock: FakeClock
) -> None:
    clock.now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    last = await chat.say("root", "digest quarter")
    assert last.title == "Leadership digest — Q3 2026"  # the last complete quarter, as the scheduled post
    reply = await chat.say("root", "digest quarter so far")
    assert not reply.public and reply.title == "Leadership digest — Q4 2026 so far"
    # 1 Oct – 2 Dec 09:00 (S2, S3, S4, S6) against 1 Jul – 1 Sep 09:00 (S1)
    assert reply.text == "Preview, only for you. In Q4 2026 so far, 7 learners trained (+5); 9 learners since " \
                         "Jul 2026."
    year = await chat.say("root", "digest year so far")
    assert year.title == "Leadership digest — 2026 so far"
    assert fields(year)["Sessions delivered"] == "5  (new) · 5 since Jul 2026"
    bad = await chat.say("root", "digest fortnight")
    assert not bad.public and "`week`, `month`, `quarter` or `year`" in bad.text


def test_spans_so_far_compare_like_with_like() -> None:
    now = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    span = spans.so_far("quarter", now, UTC_ZONE)
    before = spans.previous(span, UTC_ZONE)
    assert (span.start, span.end) == (at(10, 1, 0), now)
    assert (before.start, before.end) == (at(7, 1, 0), at(7, 1, 0) + (now - at(10, 1, 0)))
    year = spans.last_complete("year", now, UTC_ZONE)
    assert (year.key, year.label, year.start) == ("2025", "2025", datetime(2025, 1, 1, tzinfo=UTC))


async def test_a_trainer_over_the_threshold_is_named_for_a_check_in(seed: Seed) -> None:
    for day in range(13):
        await seed.session("tom", at(12, 5) + timedelta(days=day), status="scheduled")
    workload = section(await digest(seed), "🧭")
    assert "⚠️ Above the burnout threshold (more than 12 sessions in the 4 weeks to the end of the period): " \
           "<@tom> (13). Worth a check-in." in workload
    assert "🔁 Repetition (the same program or title more than 8 times in those 4 weeks): <@tom> — *SQL basics* ×13." \
           in workload


async def test_delivery_hours_are_a_second_burnout_rule(seed: Seed) -> None:
    for day in range(5):
        await seed.session("tom", at(12, 5) + timedelta(days=day), minutes=300, title=f"Workshop {day}")
    workload = section(await digest(seed), "🧭")
    assert "✅ No trainer above the burnout threshold" in workload
    assert "⚠️ More than 24 h of delivery in those 4 weeks: <@tom> (25 h)." in workload
    assert "✅ No repetition" in workload


async def test_others_are_refused_politely(seed: Seed, chat: Chat) -> None:
    reply = await chat.say("ana", "digest month")
    assert not reply.public
    assert reply.text.startswith("The digest preview is for Guild admins and leaders.")
    assert not reply.sections


async def test_admins_set_the_rates_and_the_digest_shows_money_with_formulas(
    seed: Seed, chat: Chat, clock: FakeClock, uow  # type: ignore[no-untyped-def]
) -> None:
    clock.now = REPORT_AT
    answers = [(await chat.say("root", f"admin set {line}")).text for line in (
        "external-rate 300", "internal-rate 60", "currency eur", "prep-ratio 2", "headcount 40")]
    assert answers == [
        "A comparable external trainer costs 300 an hour of delivery; the digest shows the cost avoided.",
        "An hour of an employee's time costs 60 an hour; the digest shows the internal cost, net value and return.",
        "Amounts are shown in EUR (€).",
        "Trainer time counts 2 h per delivery hour of preparation.",
        "Reach is counted against 40 employees.",
    ]
    shown = dict((await chat.say("root", "admin show")).sections[0].fields)
    assert (shown["External trainer rate"], shown["Internal rate"], shown["Currency"], shown["Preparation"],
            shown["Headcount"]) == ("300 an hour", "60 an hour", "EUR (€)", "2 h per delivery hour", "40 employees")
    async with uow() as work:
        community = await members.find_community(work.session, seed.community_id)
        assert community is not None
        assert settings_of(community) == SETTINGS
    reply = await chat.say("root", "digest quarter")
    assert fields(reply)["External cost avoided"] == ("€1,650  (▲ 450%) · €1,950 since Jul 2026\n"
                                                     "_= 5.5 h delivered × €300/h external rate_")
    assert fields(reply)["Return"].startswith("1.7 : 1")
    await chat.say("root", "admin set external-rate none")
    assert section(await chat.say("root", "digest quarter"), "💶") == f"💶 *Value*\n{HOW_TO_SET}"


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("admin set external-rate -5", "can't be negative"),
        ("admin set internal-rate lots", "`lots` isn't a number I can read"),
        ("admin set external-rate 5000000", "at most 1,000,000"),
        ("admin set currency euro", "`euro` isn't a currency code I know"),
        ("admin set currency XYZ", "`XYZ` isn't a currency code I know"),
        ("admin set prep-ratio 99", "at most 50"),
        ("admin set headcount 0", "from 1 to 10000000"),
        ("admin set headcount many", "from 1 to 10000000"),
    ],
)
async def test_bad_rates_are_refused_with_the_reason_and_nothing_changes(
    seed: Seed, chat: Chat, command: str, reason: str
) -> None:
    reply = await chat.say("root", command)
    assert reason in reply.text and not reply.public
    shown = dict((await chat.say("root", "admin show")).sections[0].fields)
    assert shown["External trainer rate"] == shown["Internal rate"] == "not set"
    assert shown["Currency"] == "not set (amounts in USD)" and shown["Headcount"] == "not set"


async def test_open_topic_requests_count_as_demand(seed: Seed, chat: Chat, clock: FakeClock) -> None:
    clock.now = REPORT_AT
    await chat.say("ana", "request kubernetes: we deploy there")
    await chat.say("ben", "request kubernetes")
    demand = section(await chat.say("root", "digest quarter"), "📥")
    assert demand.endswith("• *kubernetes* — requested by 2 people (open now)")
