"""Guild under load, beside the floor: open-loop signed slash commands against real servers on 127.0.0.1.

One command starts everything and stops by itself:

- ``python app.py serve`` on PostgreSQL (a fresh database) and on SQLite (a fresh file);
- the floor, ``bench/floor.py``: a bare Bolt app on aiohttp that acks and inserts one row (PostgreSQL);
- the I/O floor (``io``, the same file): a bare Bolt app doing only the input and output a ``/kudos`` cannot
  do without (recorded before the ack, one transaction, the channel post and the DM), and no rule;
- a fake Slack Web API (this file, ``--fake-slack PORT``, its own process) that answers like Slack and
  notes when each announcement, DM and ``response_url`` answer arrived;
- an open-loop generator (this process): commands leave on a fixed schedule whether or not earlier ones
  were answered, signed like Slack signs them. The mix: 60 % ``/kudos`` from 500 people, 20 %
  ``/sessions``, 10 % ``signup <id>``, 10 % ``me``.

Each rate runs for each target in turn (interleaved, so the machine's other load falls on all alike).
Per step it prints the achieved rate, ack latency (p50/p95/p99/max), completion time (request sent →
the work's answer at the fake Slack, or the floor's row written), lost work (kudos rows, announcements,
DMs and answers missing against those expected, plus "Sorry" answers and failed acks) and the server CPU
per command (every process of the target's tree, and in brackets the serving process alone; PostgreSQL's
own CPU is not counted, for either side).
A final step per target sends only ``/kudos`` to give the CPU per ``/kudos``. Then it finds the highest
rate with ack p99 ≤ 300 ms and nothing lost, for Guild and the floor, and prints the ratios (and, with
``io`` among the targets, Guild's CPU per ``/kudos`` against the I/O floor's: what Guild's rules and code
cost above the I/O they need).

Run:  .venv/bin/python bench/load.py [--rates 50,100,200,400] [--seconds 30] [--targets pg,wk,sqlite,floor,io]

(``wk`` is Guild on PostgreSQL with ``GUILD_WORKERS=1``: the serving process only records and acknowledges,
a worker process does the work.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from storage import members  # noqa: E402
from storage.db import create_engine, run_outside_transaction, session_factory  # noqa: E402
from storage.models import Community, Kudos, TrainerProfile, TrainingSession  # noqa: E402

HOST = "127.0.0.1"
SECRET = "load-bench-signing-secret"
TEAM = "TLOAD"
PEOPLE = [f"U{n:04d}" for n in range(500)]
SESSIONS = 20
SEATS = 40
P99_LIMIT_MS = 300.0
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
MIX = (("kudos", 0.6), ("sessions", 0.2), ("signup", 0.1), ("me", 0.1))
SORRY = "went wrong"
BUSY = "I'm busy right now"
FLOORS = ("floor", "io")


# --- the fake Slack Web API (its own process) -----------------------------------------------------------------


def fake_slack(port: int) -> None:
    """Answer the Web API like Slack; remember when each announcement, DM and response_url answer arrived."""
    responds: dict[str, float] = {}
    announcements: dict[str, float] = {}
    dms: dict[str, int] = {}
    sorry: dict[str, int] = {}

    def note_sorry(prefix: str, text_: str) -> None:
        if SORRY in text_:
            sorry[prefix] = sorry.get(prefix, 0) + 1

    async def api(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        raw = await request.text()
        body = json.loads(raw or "{}") if request.content_type == "application/json" else dict(parse_qsl(raw))
        body = {**request.query, **body}
        token = request.headers.get("Authorization", "").removeprefix("Bearer ").removeprefix("xoxb-")
        if method == "chat.postMessage":
            channel = str(body.get("channel", ""))
            if channel.startswith("D"):
                dms[token] = dms.get(token, 0) + 1
            else:
                announcements.setdefault(channel, time.time())
            note_sorry(token, str(body.get("text", "")))
            return web.json_response({"ok": True, "channel": channel, "ts": f"{time.time():.6f}"})
        if method == "chat.postEphemeral":
            return web.json_response({"ok": True, "message_ts": f"{time.time():.6f}"})
        if method == "conversations.open":
            return web.json_response({"ok": True, "channel": {"id": "D" + str(body.get("users", ""))}})
        if method == "users.info":
            user = str(body.get("user"))
            return web.json_response({"ok": True, "user": {"id": user, "name": user.lower(), "tz": "Europe/Paris",
                                                           "profile": {"display_name": f"Person {user}"}}})
        if method == "auth.test":
            return web.json_response({"ok": True, "team_id": TEAM, "user_id": "UBOT", "bot_id": "BBOT"})
        if method.startswith("views."):
            return web.json_response({"ok": True, "view": {"id": "V1", "hash": "h"}})
        return web.json_response({"ok": True})

    async def respond(request: web.Request) -> web.Response:
        key = request.match_info["key"]
        body = await request.json()
        if BUSY in str(body.get("text", "")):  # Guild's queue was full: the answer comes later, from the inbox
            return web.Response(text="ok")
        responds.setdefault(key, time.time())
        note_sorry(key.split(".", 1)[0], str(body.get("text", "")))
        return web.Response(text="ok")

    async def stats(request: web.Request) -> web.Response:
        target = request.query["target"]
        return web.json_response({
            "responds": {k: t for k, t in responds.items() if k.startswith(target + ".")},
            "announcements": {c: t for c, t in announcements.items() if c.startswith("C" + target.upper())},
            "dms": dms.get(target, 0),
            "sorry": sorry.get(target, 0),
        })

    app = web.Application(client_max_size=4 * 1024 * 1024)
    app.router.add_route("*", "/api/{method}", api)
    app.router.add_post("/respond/{key}", respond)
    app.router.add_get("/stats", stats)
    web.run_app(app, host=HOST, port=port, access_log=None, print=None, handle_signals=True)


# --- the targets --------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


@dataclass
class Target:
    code: str  # "pg", "wk", "sqlite", "floor", "io": the key prefix and the bot token (the fake tells them apart)
    label: str
    database_url: str
    port: int
    process: subprocess.Popen[bytes] | None = None
    session_ids: list[int] = field(default_factory=list)

    @property
    def is_floor(self) -> bool:
        return self.code in FLOORS

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/slack/events"

    def cpu_seconds(self) -> tuple[float, float]:
        """User + system CPU of the serving process alone, and of it with all its descendants (live and reaped)."""
        assert self.process is not None
        tick = os.sysconf("SC_CLK_TCK")
        return (_cpu(self.process.pid, own=True) / tick,
                sum(_cpu(pid) for pid in _tree(self.process.pid)) / tick)


def _tree(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def _cpu(pid: int, *, own: bool = False) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return sum(int(v) for v in fields[11:13 if own else 15])  # utime, stime (, cutime, cstime: reaped children)


async def start(target: Target, fake_port: int, workdir: Path, log_level: str) -> None:
    env = {**os.environ, "SLACK_SIGNING_SECRET": SECRET, "SLACK_BOT_TOKEN": f"xoxb-{target.code}",
           "SLACK_API_URL": f"http://{HOST}:{fake_port}/api/", "HOST": HOST, "PORT": str(target.port),
           "LOG_LEVEL": log_level, "GUILD_ADMINS": "UADMIN", "GUILD_TIMEZONE": "UTC"}
    env.pop("SLACK_APP_TOKEN", None)
    if target.is_floor:
        command = [sys.executable, str(ROOT / "bench" / "floor.py")]
        env["FLOOR_DATABASE_URL"] = target.database_url
        env["FLOOR_WORK"] = "kudos" if target.code == "io" else "row"
    else:
        command = [sys.executable, str(ROOT / "app.py"), "serve"]
        env["DATABASE_URL"] = target.database_url
        env["GUILD_WORKERS"] = "1" if target.code == "wk" else "0"
    log = (workdir / f"{target.code}.log").open("wb")
    target.process = subprocess.Popen(  # noqa: ASYNC220  (starting a server is a one-off)
        command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    await wait_healthy(f"http://{HOST}:{target.port}/healthz", target)


async def wait_healthy(url: str, target: Target | None = None, within: float = 90) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if target is not None and target.process is not None and target.process.poll() is not None:
                raise RuntimeError(f"{target.label} exited at start (see its log)")
            try:
                async with http.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {within:.0f} s")


async def seed(target: Target) -> None:
    """The community (1000 kudos a day each, so the limit never refuses), a trainer and sessions to sign up for."""
    engine = create_engine(target.database_url)
    try:
        async with session_factory(engine)() as session:
            community = await members.community(session, "slack", TEAM, "load")
            await session.execute(update(Community).where(Community.id == community.id).values(daily_kudos_limit=1000))
            trainer = await members.member(session, community.id, "UTRAINER", display_name="Trainer")
            session.add(TrainerProfile(member_id=trainer.id, community_id=community.id, status="active"))
            start_at = datetime.now(UTC) + timedelta(days=7)
            rows = [TrainingSession(community_id=community.id, trainer_id=trainer.id, title=f"Session {n}",
                                    topic="sql", starts_at=start_at + timedelta(hours=n), duration_minutes=60,
                                    seats=SEATS) for n in range(SESSIONS)]
            session.add_all(rows)
            await session.commit()
            target.session_ids = [row.id for row in rows]
    finally:
        await engine.dispose()


async def stop(target: Target) -> None:
    if target.process is None or target.process.poll() is not None:
        return
    target.process.send_signal(signal.SIGTERM)
    for _ in range(150):
        if target.process.poll() is not None:
            return
        await asyncio.sleep(0.1)
    target.process.kill()


# --- the load -----------------------------------------------------------------------------------------------


@dataclass
class Sent:
    key: str
    kind: str
    channel: str
    sent: float
    acked: float | None = None
    status: int | None = None


@dataclass
class Step:
    target: str
    rate: int
    kinds: str
    achieved: float
    ack_ms: list[float]
    done_ms: list[float]
    lost: int
    lost_detail: str
    cpu_ms: float
    serving_cpu_ms: float
    commands: int


def command_for(target: Target, kind: str, step: int, n: int, rng: random.Random, fake_port: int,
                user: str | None = None) -> tuple[Sent, str]:
    key = f"{target.code}.{step}.{n}"
    user = user or rng.choice(PEOPLE)
    channel = f"C{target.code.upper()}{step}X{n}"
    command, words = "/guild", "me"
    if kind == "kudos":
        receiver = rng.choice([p for p in rng.sample(PEOPLE, 2) if p != user] or [PEOPLE[0]])
        command, words = "/kudos", f"<@{receiver}|person> thanks for the patient walkthrough number {n} #craft"
    elif kind == "sessions":
        command, words = "/sessions", ""
    elif kind == "signup":
        words = f"signup {rng.choice(target.session_ids or [1])}"
    body = urlencode({
        "token": "unused", "team_id": TEAM, "team_domain": "load", "channel_id": channel, "channel_name": "general",
        "user_id": user, "user_name": user.lower(), "command": command, "text": words, "api_app_id": "ALOAD",
        "response_url": f"http://{HOST}:{fake_port}/respond/{key}", "trigger_id": f"trigger-{key}",
    })
    return Sent(key, kind, channel, 0.0), body


async def send(http: aiohttp.ClientSession, target: Target, sent: Sent, body: str) -> None:
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": timestamp,
               "X-Slack-Signature": SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)}
    sent.sent = time.time()
    try:
        async with http.post(target.url, data=body.encode(), headers=headers) as response:
            await response.read()
            sent.status = response.status
    except aiohttp.ClientError:
        sent.status = None
    sent.acked = time.time()


async def generate(target: Target, rate: int, seconds: float, step: int, fake_port: int,
                   mix: tuple[tuple[str, float], ...]) -> tuple[list[Sent], float]:
    """Send ``rate × seconds`` commands on a fixed schedule (open loop); returns them and the achieved rate."""
    rng = random.Random(f"{target.code}-{step}")
    count = max(1, int(rate * seconds))
    kinds, weights = zip(*mix, strict=True)
    prepared = [command_for(target, rng.choices(kinds, weights)[0], step, n, rng, fake_port) for n in range(count)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as http:
        loop = asyncio.get_running_loop()
        begin = loop.time() + 0.1
        tasks = []
        for n, (sent, body) in enumerate(prepared):
            delay = begin + n / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(http, target, sent, body)))
        elapsed = loop.time() - begin
        await asyncio.gather(*tasks)
    achieved = (count - 1) / elapsed if count > 1 and elapsed > 0 else float(count)
    return [sent for sent, _ in prepared], achieved


async def stats(fake_port: int, target: Target) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, \
            http.get(f"http://{HOST}:{fake_port}/stats", params={"target": target.code}) as response:
        return dict(await response.json())


async def rows(target: Target, step_prefix: str) -> tuple[int, dict[str, float]]:
    """Guild: all kudos rows. Floor: the rows of this step, by key, with the time each was written."""
    engine = create_engine(target.database_url)
    try:
        async with engine.connect() as connection:
            if not target.is_floor:
                return int((await connection.execute(select(func.count()).select_from(Kudos))).scalar() or 0), {}
            found = await connection.execute(
                text("SELECT key, at FROM floor_commands WHERE key LIKE :p"), {"p": f"%/respond/{step_prefix}%"})
            keyed = {key.rsplit("/", 1)[1]: at for key, at in found}
            return len(keyed), keyed
    finally:
        await engine.dispose()


async def run_step(target: Target, rate: int, seconds: float, step: int, fake_port: int, drain: float,
                   mix: tuple[tuple[str, float], ...] = MIX, max_drain: float = 300) -> Step:
    prefix = f"{target.code}.{step}."
    kudos_before, _ = await rows(target, prefix)
    sorry_before = (await stats(fake_port, target))["sorry"]
    dms_before = (await stats(fake_port, target))["dms"]
    cpu_before = target.cpu_seconds()
    sent, achieved = await generate(target, rate, seconds, step, fake_port, mix)
    acked = [s for s in sent if s.status == 200]
    expected_kudos = sum(s.kind == "kudos" for s in acked)
    deadline, last_progress, last_seen = time.monotonic() + max_drain, time.monotonic(), -1
    while True:  # wait for the work after the acks: until all is there, or nothing moved for `drain` seconds
        found = await stats(fake_port, target)
        kudos_now, floor_rows = await rows(target, prefix)
        if target.is_floor:
            missing = sum(s.key not in floor_rows for s in acked)
            seen = len(floor_rows)
        else:
            missing = sum((s.kind == "kudos" and s.channel not in found["announcements"])
                          or (s.kind != "kudos" and s.key not in found["responds"]) for s in acked)
            missing += max(expected_kudos - (kudos_now - kudos_before), 0)
            missing += max(expected_kudos - (found["dms"] - dms_before), 0)
            seen = len(found["responds"]) + len(found["announcements"]) + kudos_now + found["dms"]
        if missing == 0 or time.monotonic() > deadline or time.monotonic() - last_progress > drain:
            break
        if seen != last_seen:
            last_seen, last_progress = seen, time.monotonic()
        await asyncio.sleep(0.5)
    cpu_after = target.cpu_seconds()
    serving_cpu, cpu = cpu_after[0] - cpu_before[0], cpu_after[1] - cpu_before[1]
    failed_acks = len(sent) - len(acked)
    sorry = found["sorry"] - sorry_before
    done = []
    for s in acked:
        at = (floor_rows.get(s.key) if target.is_floor
              else found["announcements"].get(s.channel) if s.kind == "kudos" else found["responds"].get(s.key))
        if at is not None:
            done.append((at - s.sent) * 1000)
    lost = missing + failed_acks + sorry
    statuses = ", ".join(f"{code or 'no answer'}×{n}" for code, n in
                         Counter(s.status for s in sent if s.status != 200).most_common())
    detail = f"{missing} not done, {failed_acks} failed acks{f' ({statuses})' if statuses else ''}, {sorry} sorry" \
        if lost else ""
    ack_ms = [((s.acked or s.sent) - s.sent) * 1000 for s in sent]
    return Step(target.label, rate, "kudos" if mix[0][1] == 1.0 else "mix", achieved, ack_ms, done, lost, detail,
                cpu * 1000 / len(sent), serving_cpu * 1000 / len(sent), len(sent))


async def warm_up(target: Target, fake_port: int) -> None:
    """Everyone is seen once (Guild looks names up and creates members on first sight), not measured."""
    if target.is_floor:
        await generate(target, 100, 2, 0, fake_port, (("me", 1.0),))
        return
    sent = []
    async with aiohttp.ClientSession() as http:
        for n, user in enumerate(PEOPLE):
            sample, body = command_for(target, "me", 0, n, random.Random(n), fake_port, user)
            sent.append(asyncio.create_task(send(http, target, sample, body)))
            await asyncio.sleep(1 / 100)
        await asyncio.gather(*sent)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and len((await stats(fake_port, target))["responds"]) < len(PEOPLE):  # noqa: ASYNC110
        await asyncio.sleep(0.5)  # polls another process
    if len((await stats(fake_port, target))["responds"]) < len(PEOPLE):
        print(f"warning: {target.label} did not finish its warm-up in 300 s", flush=True)


# --- the report ---------------------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def clean(step: Step) -> bool:
    return step.lost == 0 and pct(step.ack_ms, 99) <= P99_LIMIT_MS


def table(steps: list[Step]) -> str:
    head = ("| target | load | rate | achieved | ack p50 / p95 / p99 / max (ms) | done p50 / p99 (ms) "
            "| lost | CPU/cmd (ms): all (serving process) |\n|---|---|---|---|---|---|---|---|")
    lines = [head]
    for s in steps:
        ack = " / ".join(f"{pct(s.ack_ms, q):.1f}" for q in (50, 95, 99)) + f" / {max(s.ack_ms):.0f}"
        done = f"{pct(s.done_ms, 50):.0f} / {pct(s.done_ms, 99):.0f}" if s.done_ms else "—"
        lost = f"{s.lost} ({s.lost_detail})" if s.lost else "0"
        lines.append(f"| {s.target} | {s.kinds} | {s.rate}/s | {s.achieved:.0f}/s | {ack} | {done} | {lost} "
                     f"| {s.cpu_ms:.2f} ({s.serving_cpu_ms:.2f}) |")
    return "\n".join(lines)


def summary(steps: list[Step], labels: dict[str, str]) -> str:
    mixed = [s for s in steps if s.kinds == "mix"]
    best = {}
    for code, label in labels.items():
        rates = [s.rate for s in mixed if s.target == label and clean(s)]
        best[code] = max(rates) if rates else 0
    lines = [f"Highest rate with ack p99 ≤ {P99_LIMIT_MS:.0f} ms and nothing lost:"]
    lines += [f"  {labels[c]}: {best[c]}/s" if best[c] else f"  {labels[c]}: none of the rates run" for c in labels]
    floor = labels.get("floor")

    def at(label: str, rate: int, kinds: str = "mix") -> Step | None:
        return next((s for s in steps if s.target == label and s.rate == rate and s.kinds == kinds), None)

    if floor:
        for code in (c for c in labels if c != "floor"):
            label = labels[code]
            if best["floor"]:
                lines.append(f"  {label} / floor, highest clean rate: {best[code] / best['floor']:.2f}×")
            mine, theirs = at(label, 100), at(floor, 100)
            if mine and theirs:
                lines.append(f"  {label} / floor, ack p99 at 100/s: {pct(mine.ack_ms, 99):.1f} / "
                             f"{pct(theirs.ack_ms, 99):.1f} ms = {pct(mine.ack_ms, 99) / pct(theirs.ack_ms, 99):.2f}×")
            lines.extend(cpu_per_kudos(steps, label, floor, "floor"))
    io = labels.get("io")
    if io:
        for code in (c for c in labels if c not in FLOORS):
            lines.extend(cpu_per_kudos(steps, labels[code], io, "I/O floor"))
    return "\n".join(lines)


def cpu_per_kudos(steps: list[Step], label: str, floor: str, name: str) -> list[str]:
    mine = next((s for s in steps if s.target == label and s.kinds == "kudos"), None)
    theirs = next((s for s in steps if s.target == floor and s.kinds == "kudos"), None)
    if not (mine and theirs and theirs.cpu_ms > 0):
        return []
    return [f"  {label} / {name}, CPU per /kudos: {mine.cpu_ms:.2f} / {theirs.cpu_ms:.2f} ms = "
            f"{mine.cpu_ms / theirs.cpu_ms:.2f}×"]


# --- main ---------------------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> None:
    codes = [c.strip() for c in args.targets.split(",") if c.strip()]
    workdir = Path(tempfile.mkdtemp(prefix="guild-load-"))
    base = os.environ.get("GUILD_BENCH_POSTGRES_URL", PG_DEFAULT)
    databases: list[str] = []
    targets: list[Target] = []
    fake_port = free_port()
    fake = subprocess.Popen(  # noqa: ASYNC220  (started once)
        [sys.executable, __file__, "--fake-slack", str(fake_port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    try:
        await wait_healthy(f"http://{HOST}:{fake_port}/stats?target=none")
        for code in codes:
            if code == "sqlite":
                url = f"sqlite:///{workdir / 'guild.db'}"
            else:
                name = f"guild_load_{code}_{uuid.uuid4().hex[:8]}"
                await run_outside_transaction(base, f'CREATE DATABASE "{name}"')
                databases.append(name)
                url = str(base.rsplit("/", 1)[0] + "/" + name)
            label = {"pg": "Guild (PostgreSQL)", "wk": "Guild (PostgreSQL, GUILD_WORKERS=1)",
                     "sqlite": "Guild (SQLite)", "floor": "floor (PostgreSQL)", "io": "I/O floor (PostgreSQL)"}[code]
            target = Target(code, label, url, free_port())
            await start(target, fake_port, workdir, args.log_level)
            if not target.is_floor:
                await seed(target)
            targets.append(target)
        for target in targets:
            await warm_up(target, fake_port)
        print(f"servers up and warm after {time.monotonic() - started:.0f} s; load average "
              f"{os.getloadavg()[0]:.2f}; {os.cpu_count()} CPUs", flush=True)
        steps: list[Step] = []
        step = 0
        for rate in args.rates:
            for target in targets:
                step += 1
                done = await run_step(target, rate, args.seconds, step, fake_port, args.drain,
                                      max_drain=args.max_drain)
                steps.append(done)
                print(table([done]).splitlines()[-1], flush=True)
        for target in targets:
            step += 1
            done = await run_step(target, args.kudos_rate, args.seconds, step, fake_port, args.drain,
                                  (("kudos", 1.0),), max_drain=args.max_drain)
            steps.append(done)
            print(table([done]).splitlines()[-1], flush=True)
        print()
        print(f"bench/load.py --rates {','.join(map(str, args.rates))} --seconds {args.seconds:g} "
              f"(mix: 60% /kudos from {len(PEOPLE)} people, 20% /sessions, 10% signup, 10% me; "
              f"load average now {os.getloadavg()[0]:.2f}; {time.monotonic() - started:.0f} s in all)")
        print(table(steps))
        print()
        print(summary(steps, {t.code: t.label for t in targets}))
        errors = {t.label: (workdir / f"{t.code}.log").read_text(errors="replace").count('"level": "ERROR"')
                  for t in targets}
        print("ERROR lines in the servers' logs: " + ", ".join(f"{k}: {v}" for k, v in errors.items()))
    finally:
        for target in targets:
            await stop(target)
        fake.terminate()
        fake.wait(10)
        for name in databases:
            try:
                await run_outside_transaction(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception as error:  # a leftover database is worth a line, not a traceback
                print(f"could not drop {name}: {error}", file=sys.stderr)
        if args.keep_logs:
            print(f"server logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    cli = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    cli.add_argument("--rates", type=lambda v: [int(r) for r in v.split(",")], default=[50, 100, 200, 400],
                     help="commands per second, one step each (default 50,100,200,400)")
    cli.add_argument("--seconds", type=float, default=30, help="length of each step (default 30)")
    cli.add_argument("--targets", default="pg,sqlite,floor,io",
                     help="which of pg, wk (PostgreSQL, one worker process), sqlite, floor, io (the I/O floor of a "
                     "/kudos) (default pg,sqlite,floor,io)")
    cli.add_argument("--kudos-rate", type=int, default=100, help="rate of the /kudos-only CPU step (default 100)")
    cli.add_argument("--drain", type=float, default=15, help="give up on missing work after this many seconds "
                     "without progress once a step's sending ended (default 15)")
    cli.add_argument("--max-drain", type=float, default=300, help="after a step, wait at most this many seconds "
                     "for its work to be done; what is not done by then counts as lost (default 300)")
    cli.add_argument("--log-level", default="WARNING", help="the servers' LOG_LEVEL (default WARNING)")
    cli.add_argument("--keep-logs", action="store_true", help="keep the servers' logs (printed at the end)")
    cli.add_argument("--fake-slack", type=int, help=argparse.SUPPRESS)
    args = cli.parse_args(argv)
    if args.fake_slack:
        fake_slack(args.fake_slack)
        return
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
