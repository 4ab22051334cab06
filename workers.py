"""Worker processes: the acknowledged work of a serving process done on other CPU cores.

With ``GUILD_WORKERS=n`` (n > 0), ``python app.py serve`` only verifies,
records and acknowledges; each recorded request is handed to the inbox, due at
once, and ``n`` child processes (``python app.py work``) claim and do it, as a
sweeper would. Acks then never wait behind the work for the event loop, the
CPU or the database pool. A worker that exits is started again; one whose
parent died finishes what it holds and exits (the next serving process's
workers take over what was left).
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

log = logging.getLogger("guild.workers")

APP = Path(__file__).with_name("app.py")
RESTART_DELAY_SECONDS = 1.0


class WorkerProcesses:
    """``count`` children running ``python app.py work``, kept running until ``stop``."""

    def __init__(self, count: int, on_exit: Callable[[int], None] = lambda _pid: None) -> None:
        """``on_exit``: told each exited worker's pid (its live metrics go with it)."""
        self.count = count
        self.on_exit = on_exit
        self._processes: list[asyncio.subprocess.Process | None] = [None] * count
        self._watchers: list[asyncio.Task[None]] = []
        self._stopping = False

    def start(self) -> None:
        self._watchers = [asyncio.create_task(self._keep(n), name=f"guild-worker-process-{n}")
                          for n in range(self.count)]

    async def stop(self, grace: float) -> None:
        """SIGTERM each worker (it drains like a serving process), wait ``grace`` seconds, then kill."""
        self._stopping = True
        for watcher in self._watchers:
            watcher.cancel()
        running = [p for p in self._processes if p is not None and p.returncode is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        try:
            async with asyncio.timeout(grace):
                await asyncio.gather(*(p.wait() for p in running))
        except TimeoutError:
            log.warning("worker processes did not stop in time; killing them")
            for process in running:
                with suppress(ProcessLookupError):
                    process.kill()
            await asyncio.gather(*(p.wait() for p in running))

    async def _keep(self, n: int) -> None:
        while not self._stopping:
            process = await asyncio.create_subprocess_exec(sys.executable, str(APP), "work")
            self._processes[n] = process
            status = await process.wait()
            self.on_exit(process.pid)
            if self._stopping:
                return
            log.warning("worker process exited (status %s); starting it again", status)
            await asyncio.sleep(RESTART_DELAY_SECONDS)
