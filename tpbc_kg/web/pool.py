"""Worker processes that answer ad-hoc SPARQL for the server, each on the store opened read-only.

Why processes: a query cannot be interrupted inside pyoxigraph (see tpbc_kg.bounded), so a runaway query
is stopped by killing the worker that runs it; a fresh worker takes its place, and the other workers
keep answering meanwhile. Answers are buffered up to the row cap (so a timeout can still be reported
with its own status code) and then sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tpbc_kg.bounded import FRAME, QueryTimeout

_STREAM_LIMIT = 1 << 24


class PoolBusy(RuntimeError):
    """Every worker stayed busy for the whole time limit."""


@dataclass
class WorkerReply:
    """A worker's answer: its bytes and its outcome ({"ok", "kind", "rows", "capped"} or an error)."""

    body: bytes
    status: dict[str, Any] = field(default_factory=dict)


class Worker:
    """One `python -m tpbc_kg.bounded STORE` process and its pipes."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, location: Path) -> Worker:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tpbc_kg.bounded",
            str(location),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=_STREAM_LIMIT,
        )
        worker = cls(process)
        kind, _ = await worker._frame()
        if kind != b"R":
            raise RuntimeError("SPARQL worker did not start")
        return worker

    async def _frame(self) -> tuple[bytes, bytes]:
        assert self.process.stdout is not None
        header = await self.process.stdout.readexactly(FRAME.size)
        kind, length = FRAME.unpack(header)
        payload = await self.process.stdout.readexactly(length) if length else b""
        return kind, payload

    async def ask(self, request: dict[str, Any]) -> WorkerReply:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        await self.process.stdin.drain()
        parts = []
        while True:
            kind, payload = await self._frame()
            if kind == b"D":
                parts.append(payload)
            else:
                return WorkerReply(b"".join(parts), json.loads(payload))

    async def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()
        with contextlib.suppress(Exception):
            await self.process.wait()


class WorkerPool:
    """size workers on the store at location; `run` hands a request to a free one under a deadline."""

    def __init__(self, location: Path, size: int = 2) -> None:
        self.location = Path(location)
        self.size = size
        self.idle: asyncio.Queue[Worker] = asyncio.Queue()
        self.workers: set[Worker] = set()
        self.stopped = 0
        self.tasks: set[asyncio.Future[Any]] = set()

    async def start(self) -> None:
        for worker in await asyncio.gather(*(Worker.start(self.location) for _ in range(self.size))):
            self.workers.add(worker)
            self.idle.put_nowait(worker)

    async def close(self) -> None:
        for worker in list(self.workers):
            await worker.stop()
        self.workers.clear()

    def _later(self, job: Any) -> None:
        """Run job in the background, keeping a reference so the task is not collected mid-way."""
        task = asyncio.ensure_future(job)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _replace(self, worker: Worker) -> None:
        await worker.stop()
        self.workers.discard(worker)
        self.stopped += 1
        fresh = await Worker.start(self.location)
        self.workers.add(fresh)
        self.idle.put_nowait(fresh)

    async def run(self, request: dict[str, Any], timeout: float) -> WorkerReply:
        """The worker's reply, or QueryTimeout (its worker is killed and replaced), or PoolBusy."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout if timeout > 0 else None
        try:
            worker = await asyncio.wait_for(self.idle.get(), timeout=_left(loop, deadline))
        except TimeoutError:
            raise PoolBusy("every query worker is busy; retry in a moment") from None
        try:
            reply = await asyncio.wait_for(worker.ask(request), timeout=_left(loop, deadline))
        except TimeoutError:
            self._later(self._replace(worker))
            raise QueryTimeout(timeout, "the server's --timeout") from None
        except (asyncio.IncompleteReadError, ConnectionError, BrokenPipeError):
            self._later(self._replace(worker))
            return WorkerReply(b"", {"ok": False, "error": "failed", "message": "the query worker died"})
        except asyncio.CancelledError:  # the client went away: the worker may be mid-answer
            self._later(self._replace(worker))
            raise
        self.idle.put_nowait(worker)
        return reply


def _left(loop: asyncio.AbstractEventLoop, deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - loop.time(), 0.001)
