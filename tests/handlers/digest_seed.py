"""Two quarters of a small community, with every figure of the digest computed by hand below.

Q3 2026: one session (Tara, 10 Jul, 60 min, #sql): Ana and Ben attended; Ana rated 4 "Clear and useful".
Q4 2026:
- S2 Tara, 5 Oct, 90 min, #sql "Intro to SQL", 3 seats all taken: Ana, Ben, Cara attended, Dan no-show,
  Eve waitlisted; ratings 5 (anonymous, "The hands-on exercises made indexes finally click"), 4 "Good pace",
  2 "Too fast for a beginner".
- S3 Tom, 3 Nov, 60 min, #git "Git basics", 2 seats both taken: Ana, Fay attended; ratings 2 "Too much theory,
  no examples", 3 (no comment).
- S4 Tom, 20 Nov, 120 min, #git "Branching": still open but attendance marked (Gus) — it counts (DESIGN §7).
- S5 Tara, 25 Nov, cancelled — never counts.
- S6 Tara, 1 Dec, 60 min, #sql "SQL joins": Hal attended.
- an open session on 28 Dec with nobody marked — does not count yet.
Kudos: 1 in Q3, 3 in Q4. Vic volunteers in Q4.
Settings: external-rate 300, internal-rate 60, currency EUR, prep-ratio 2, headcount 40.

By hand, Q4 vs Q3:
- sessions 4 vs 1 (+3), total 5;  delivery 90+60+120+60 = 330 min = 5.5 h (total 6.5 h)
- learners 3+2+1+1 = 7 vs 2 (+5), total 9;  unique: Ana Ben Cara Fay Gus Hal = 6 vs 2 (+4), total 6
- learner-hours 3×1.5 + 2×1 + 1×2 + 1×1 = 9.5 h vs 2 h (+7.5 h), total 11.5 h
- attendance 7 of 8 = 88% vs 100% (▼ 13 pts); ratings 5+4+2+2+3 = 16/5 = 3.2 vs 4.0 (−0.8)
- responses 5 of 7 = 71% vs 50% (▲ 21 pts); trainers 2 vs 1 (+1); volunteers 1 vs 0 (new); kudos 3 vs 1 (+2)
- trainer time 5.5 h × 3 = 16.5 h vs 3 h (+13.5 h), total 19.5 h
- external cost avoided 5.5 × €300 = €1,650 vs €300 (▲ 450%), total €1,950
- internal cost 16.5 × €60 = €990 vs €180 (▲ 450%), total €1,170
- net €660 vs €120 (▲ 450%), total €780;  return 1,650 ÷ 990 = 1.7 : 1 vs 1.7 : 1 (no marker), total 1.7
- reach 6 / 40 = 15% this quarter, 15% since the first session
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from handlers.digest_money import MoneySettings
from tests.scheduler.seed import Seed

SETTINGS = MoneySettings(external_rate=Decimal(300), internal_rate=Decimal(60), currency="EUR",
                         prep_ratio=Decimal(2), headcount=40)
REPORT_AT = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)  # the last complete quarter is Q4 2026


def at(month: int, day: int, hour: int = 10, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


async def two_quarters(seed: Seed) -> None:
    await seed.community()
    s1 = await seed.session("tara", at(7, 10), minutes=60, topic="sql", title="SQL basics", attended=["ana", "ben"])
    await seed.feedback(s1, "ana", 4, at(7, 11), "Clear and useful")
    await seed.kudos("ana", "tara", "thanks", at(7, 10))

    s2 = await seed.session("tara", at(10, 5), minutes=90, topic="sql", title="Intro to SQL", seats=3,
                            attended=["ana", "ben", "cara"], no_show=["dan"], waitlisted=["eve"])
    await seed.feedback(s2, "ana", 5, at(10, 6), "The hands-on exercises made indexes finally click",
                        anonymous=True)
    await seed.feedback(s2, "ben", 4, at(10, 6), "Good pace")
    await seed.feedback(s2, "cara", 2, at(10, 6), "Too fast for a beginner")
    s3 = await seed.session("tom", at(11, 3), minutes=60, topic="git", title="Git basics", seats=2,
                            attended=["ana", "fay"])
    await seed.feedback(s3, "fay", 2, at(11, 4), "Too much theory, no examples")
    await seed.feedback(s3, "ana", 3, at(11, 4))
    await seed.session("tom", at(11, 20, 15), minutes=120, topic="git", title="Branching", status="scheduled",
                       attended=["gus"])
    await seed.session("tara", at(11, 25), status="cancelled", topic="sql", title="Cancelled one")
    await seed.session("tara", at(12, 1), minutes=60, topic="sql", title="SQL joins", attended=["hal"])
    await seed.session("tara", at(12, 28), status="scheduled", topic="sql", title="Not marked yet",
                       confirmed=["ana"])
    for giver in ("ana", "ben", "cara"):
        await seed.kudos(giver, "tom", "thanks", at(10, 7))
    await seed.volunteer("vic", at(10, 20))
