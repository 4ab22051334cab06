"""`python app.py export TABLE`: the columns of DESIGN.md §6, in order, as CSV or JSON."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

import app
from storage.db import create_engine, session_factory
from storage.models import (
    Community,
    Enrollment,
    Feedback,
    Kudos,
    KudosValue,
    Member,
    Program,
    ProgramAuthor,
    RequestSupporter,
    TopicRequest,
    TrainerProfile,
    TrainingSession,
)
from storage.uow import UnitOfWork

WHEN = datetime(2026, 11, 20, 14, 30, tzinfo=UTC)


async def _seed(url: str) -> None:
    engine = create_engine(url)
    async with UnitOfWork(session_factory(engine)) as uow:
        s = uow.session
        community = Community(platform="slack", external_id="T1", name="Acme")
        s.add(community)
        await s.flush()
        ana = Member(community_id=community.id, user_id="U1", display_name="Ana", is_leader=True)
        ben = Member(community_id=community.id, user_id="U2", display_name="Ben")
        cy = Member(community_id=community.id, user_id="U3", display_name="Cy")
        s.add_all([ana, ben, cy])
        await s.flush()
        s.add(TrainerProfile(member_id=ana.id, community_id=community.id, status="active"))
        dee = Member(community_id=community.id, user_id="U4", display_name="Dee")
        s.add(dee)
        await s.flush()
        s.add(TrainerProfile(member_id=dee.id, community_id=community.id, status="onboarding", mentor_id=ana.id))
        for receiver in (ben, cy):
            kudos = Kudos(community_id=community.id, giver_id=ana.id, receiver_id=receiver.id,
                          message="great demo, thank you", channel="C1", created_at=WHEN)
            s.add(kudos)
            await s.flush()
            s.add(KudosValue(kudos_id=kudos.id, value="craft"))
        session = TrainingSession(community_id=community.id, trainer_id=ana.id, title="SQL, joins", topic="sql",
                                  starts_at=WHEN, duration_minutes=60, seats=10, taken=1, status="done",
                                  location="Room 4")
        s.add(session)
        await s.flush()
        s.add(Enrollment(community_id=community.id, session_id=session.id, member_id=ben.id, status="attended",
                         created_at=WHEN, queued_at=WHEN, updated_at=WHEN))
        s.add(Feedback(community_id=community.id, session_id=session.id, member_id=ben.id, rating=5,
                       comment="clear", created_at=WHEN))
        s.add(Feedback(community_id=community.id, session_id=session.id, member_id=None, rating=4,
                       comment=None, created_at=WHEN))
        await uow.commit()
    await engine.dispose()


@pytest.fixture
def seeded(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    asyncio.run(_seed(database_url))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("GUILD_ADMINS", "U2")
    return database_url


def export(table: str, fmt: str = "csv") -> str:
    out = io.StringIO()
    assert app.main(["export", table, "--format", fmt], out=out) == 0
    return out.getvalue()


def test_kudos_export_has_one_row_per_receiver_with_the_contract_columns(seeded: str) -> None:
    rows = list(csv.reader(io.StringIO(export("kudos"))))
    assert rows[0] == ["id", "created_at", "platform", "community", "giver", "receiver", "message", "values", "channel"]
    assert [r[2:] for r in rows[1:]] == [
        ["slack", "T1", "U1", "U2", "great demo, thank you", "craft", "C1"],
        ["slack", "T1", "U1", "U3", "great demo, thank you", "craft", "C1"],
    ]
    assert rows[1][1] == "2026-11-20T14:30:00Z"


def test_sessions_export(seeded: str) -> None:
    rows = list(csv.DictReader(io.StringIO(export("sessions"))))
    assert list(rows[0]) == ["id", "title", "topic", "trainer", "starts_at", "duration_minutes", "seats", "status",
                             "location", "program_id"]  # DESIGN §6: added after the contract's columns
    assert (rows[0]["location"], rows[0]["program_id"]) == ("Room 4", "")
    assert rows[0]["title"] == "SQL, joins" and rows[0]["trainer"] == "U1" and rows[0]["status"] == "done"
    assert rows[0]["starts_at"] == "2026-11-20T14:30:00Z"


def test_enrollments_and_feedback_exports(seeded: str) -> None:
    enrollments = list(csv.DictReader(io.StringIO(export("enrollments"))))
    assert [(r["member"], r["status"]) for r in enrollments] == [("U2", "attended")]
    feedback = list(csv.DictReader(io.StringIO(export("feedback"))))
    assert list(feedback[0]) == ["session_id", "member", "rating", "comment", "created_at"]
    assert [(r["member"], r["rating"], r["comment"]) for r in feedback] == [("U2", "5", "clear"), ("", "4", "")]


def test_members_export_names_roles_and_trainer_status(seeded: str) -> None:
    rows = {r["user_id"]: r for r in csv.DictReader(io.StringIO(export("members")))}
    assert list(next(iter(rows.values()))) == ["platform", "user_id", "display_name", "roles", "trainer_status",
                                               "level", "mentor"]
    assert rows["U1"]["roles"] == "leader" and rows["U1"]["trainer_status"] == "active"
    assert (rows["U1"]["level"], rows["U1"]["mentor"]) == ("trainer", "")  # active: onboarding done
    assert (rows["U4"]["trainer_status"], rows["U4"]["level"], rows["U4"]["mentor"]) == ("onboarding", "", "U1")
    assert rows["U2"]["roles"] == "admin"  # from GUILD_ADMINS
    assert rows["U3"]["roles"] == "" and rows["U3"]["trainer_status"] == ""


def test_json_export_is_an_array_with_the_same_keys(seeded: str) -> None:
    data = json.loads(export("kudos", "json"))
    assert [d["receiver"] for d in data] == ["U2", "U3"]
    assert list(data[0]) == ["id", "created_at", "platform", "community", "giver", "receiver", "message", "values",
                             "channel"]


def test_export_to_a_file(seeded: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "members.csv"
    assert app.main(["export", "members", "--output", str(target)]) == 0
    assert target.read_text().startswith("platform,user_id,display_name,roles,trainer_status,level,mentor\n")


def test_an_unwritable_output_is_reported_and_nothing_is_left_behind(
    seeded: str, tmp_path, capsys: pytest.CaptureFixture[str]  # type: ignore[no-untyped-def]
) -> None:
    assert app.main(["export", "members", "--output", str(tmp_path / "missing" / "members.csv")]) == 2
    assert "Can't write" in capsys.readouterr().err
    assert not [p for p in tmp_path.rglob("*") if "members.csv" in p.name]


def test_empty_json_export_is_an_empty_array(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    assert json.loads(export("feedback", "json")) == []


async def _seed_programs_and_requests(url: str) -> None:
    engine = create_engine(url)
    async with UnitOfWork(session_factory(engine)) as uow:
        s = uow.session
        community = await s.scalar(select(Community))
        assert community is not None
        people = {m.user_id: m for m in await s.scalars(select(Member))}
        program = Program(community_id=community.id, title="Safety basics", topic="safety",
                          materials_url="https://wiki.example.com/safety", created_at=WHEN,
                          refreshed_at=WHEN + timedelta(days=30))
        bare = Program(community_id=community.id, title="Bare", created_at=WHEN)
        s.add_all([program, bare])
        await s.flush()
        s.add_all([ProgramAuthor(program_id=program.id, member_id=people[u].id, added_at=WHEN) for u in ("U1", "U3")])
        request = TopicRequest(community_id=community.id, topic="public-speaking", open_topic="public-speaking",
                               requested_by_id=people["U2"].id, reason="for demos", status="open", created_at=WHEN)
        s.add(request)
        await s.flush()
        s.add_all([RequestSupporter(request_id=request.id, member_id=people[u].id, joined_at=WHEN)
                   for u in ("U2", "U1", "U3")])
        await uow.commit()
    await engine.dispose()


def test_programs_and_requests_exports(seeded: str) -> None:
    asyncio.run(_seed_programs_and_requests(seeded))
    programs = list(csv.DictReader(io.StringIO(export("programs"))))
    assert list(programs[0]) == ["id", "title", "topic", "authors", "materials_url", "created_at", "refreshed_at"]
    first, bare = programs
    assert sorted(first.pop("authors").split()) == ["U1", "U3"]
    assert first == {"id": "1", "title": "Safety basics", "topic": "safety",
                     "materials_url": "https://wiki.example.com/safety", "created_at": "2026-11-20T14:30:00Z",
                     "refreshed_at": "2026-12-20T14:30:00Z"}
    assert (bare["authors"], bare["topic"], bare["refreshed_at"]) == ("", "", "")
    [request] = json.loads(export("requests", "json"))
    assert list(request) == ["id", "topic", "requested_by", "reason", "supporters", "status", "created_at"]
    assert sorted(request.pop("supporters").split()) == ["U1", "U3"]
    assert request == {"id": 1, "topic": "public-speaking", "requested_by": "U2", "reason": "for demos",
                       "status": "open", "created_at": "2026-11-20T14:30:00Z"}
