"""The server's side of the evaluators: a pool of confined processes, each answering one request at a time.

A request waits for an idle evaluator, is written to it, and its answer is awaited under the
timeout. One spare evaluator, started and ready, waits beside them to take a killed one's place at
once; its own replacement starts in the background.

An evaluator that passes the timeout is killed (pyoxigraph cannot cancel a query); one
that passes its memory budget dies by itself. In both cases the request is answered 503, a fresh
evaluator is started in the background, and the other evaluators go on answering: nothing else is
lost, because no evaluator ever holds more than one request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from dataclasses import dataclass

from phenkg.errors import PhenkgError
from phenkg.serve.evaluator import EXIT_MEMORY, FRAME, ServeConfig
from phenkg.serve.http import error_body

START_TIMEOUT = 120.0       # seconds an evaluator may take to open the store and say it is ready
RESTART_PAUSE = 1.0         # seconds before trying again to start an evaluator that failed to start
JSON = [("Content-Type", "application/json; charset=utf-8"), ("Access-Control-Allow-Origin", "*")]

EVALUATOR = "import sys; from phenkg.serve.evaluator import main; sys.exit(main())"
CHUNK = 1 << 16            # bytes read at a time from an evaluator's pipe when an answer is dropped


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes | memoryview
    held: int = 0         # bytes of the front's answer budget this answer holds until it is sent


def error_answer(status: int, detail: str, extra: list[tuple[str, str]] | None = None) -> Answer:
    return Answer(status, [*JSON, *(extra or [])], error_body(status, detail))


class _TooLarge(Exception):
    """An evaluator announced an answer larger than it may send (it checks; this does not trust it)."""


class _OverBudget(Exception):
    """The answers the front already holds leave no room for this one; it was read and dropped."""


class Evaluator:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        if process.stdin is None or process.stdout is None:
            raise ValueError("an evaluator is started with pipes for its stdin and stdout")
        self.process, self.stdin, self.stdout = process, process.stdin, process.stdout

    async def send(self, header: bytes, body: bytes) -> None:
        stdin = self.stdin
        stdin.write(FRAME.pack(len(header), len(body)) + header + body)
        if stdin.transport.get_write_buffer_size():      # only a large body waits for the pipe
            await stdin.drain()

    async def receive(self, pool: Pool) -> tuple[bytes, memoryview, int]:
        """The next frame: its header, its body and the budget it holds (released by `pool.release`).

        The sizes are read first: a body larger than an answer may be is refused unread, and one
        that does not fit the front's budget is read in small pieces and dropped."""
        stdout = self.stdout
        header_size, body_size = FRAME.unpack(await stdout.readexactly(FRAME.size))
        if header_size > 1 << 20 or body_size > pool.max_answer:
            raise _TooLarge
        header = await stdout.readexactly(header_size)
        if not pool.reserve(body_size):
            left = body_size
            while left:
                left -= len(await stdout.readexactly(min(left, CHUNK)))
            raise _OverBudget
        try:
            return header, memoryview(await stdout.readexactly(body_size)), body_size
        except BaseException:
            pool.release(body_size)
            raise

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.process.kill()


class Pool:
    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self.idle: asyncio.Queue[Evaluator] = asyncio.Queue()
        self.all: set[Evaluator] = set()
        self.sandbox: list[str] = []
        self.missing: list[str] = []
        self.closed = False
        self.tasks: set[asyncio.Task] = set()
        self.spares: list[Evaluator] = []       # started and ready, waiting to replace one that is killed
        self.max_answer = config.max_answer_mb * 2**20
        self.budget = self.max_answer           # bytes of answers the front may hold at once, being sent
        self.held = 0
        self.active = 0                          # evaluators answering requests (idle or busy)

    async def start(self) -> None:
        """Start every evaluator and wait until each is ready; a failure stops them all."""
        results = await asyncio.gather(*(self._start_one() for _ in range(max(1, self.config.workers))),
                                       return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            await self.close()
            raise failures[0]
        self._background(self._start_spare())       # ready without waiting for the spare

    async def _start_spare(self) -> None:
        with contextlib.suppress(PhenkgError):
            await self._start_one()

    def _background(self, work) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _start_one(self) -> Evaluator:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", EVALUATOR, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            limit=2**20, env={**os.environ, "RUST_BACKTRACE": "0"})   # one line, not a backtrace, on abort
        evaluator = Evaluator(process)
        self.all.add(evaluator)
        try:
            config = self.config.to_json()
            await evaluator.send(b"{}", config)
            header, _, held = await asyncio.wait_for(evaluator.receive(self), START_TIMEOUT)
            self.release(held)
        except (asyncio.IncompleteReadError, ConnectionError, TimeoutError) as exc:
            evaluator.kill()
            self.all.discard(evaluator)
            await process.wait()
            raise PhenkgError(f"a query evaluator did not start (exit code {process.returncode})",
                              path=self.config.store_path, hint="see the messages above") from exc
        ready = json.loads(header)
        self.sandbox, self.missing = ready.get("sandbox", []), ready.get("missing", [])
        if self.active < max(1, self.config.workers):
            self.active += 1
            self.idle.put_nowait(evaluator)
        else:
            self.spares.append(evaluator)
        return evaluator

    def _replace(self, evaluator: Evaluator) -> None:
        """Drop a dead or killed evaluator, put a spare in its place at once, and start another spare."""
        evaluator.kill()
        self.all.discard(evaluator)
        self.active -= 1
        if self.closed:
            return
        if self.spares:
            self.active += 1
            self.idle.put_nowait(self.spares.pop())
        self._background(self._restart(evaluator))

    async def _restart(self, old: Evaluator) -> None:
        await old.process.wait()
        while not self.closed:
            try:
                await self._start_one()
                return
            except PhenkgError as exc:
                print(f"phenkg: {exc}; trying again", file=sys.stderr, flush=True)
                await asyncio.sleep(RESTART_PAUSE)

    async def answer(self, request: bytes, body: bytes) -> Answer:
        """Have an evaluator answer one request (a JSON header and its body) within the timeout."""
        timeout = self.config.timeout
        try:
            evaluator = self.idle.get_nowait()
        except asyncio.QueueEmpty:
            try:
                async with asyncio.timeout(timeout):
                    evaluator = await self.idle.get()
            except TimeoutError:
                return error_answer(503, f"every query evaluator stayed busy for {timeout:g} s; try again",
                                    [("Retry-After", "1")])
        try:
            async with asyncio.timeout(timeout):      # a deadline, without a task of its own per request
                await evaluator.send(request, body)
                header, payload, held = await evaluator.receive(self)
        except _OverBudget:
            self.idle.put_nowait(evaluator)
            return error_answer(503, "the server is sending as many large answers as it holds at once; try again",
                                [("Retry-After", "1")])
        except _TooLarge:
            self._replace(evaluator)
            return error_answer(500, "a query evaluator sent an answer larger than it may; see the server log")
        except TimeoutError:
            self._replace(evaluator)
            return error_answer(503, f"the request did not finish within the {timeout:g} s timeout and was "
                                "stopped; narrow the query or add a LIMIT", [("Retry-After", "1")])
        except (asyncio.IncompleteReadError, ConnectionError):
            code = await self._died(evaluator)
            if code in (EXIT_MEMORY, -signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
                return error_answer(503, f"the request needed more than the {self.config.max_memory_mb:,} MB "
                                    "memory budget and was stopped; narrow the query or add a LIMIT",
                                    [("Retry-After", "1")])
            return error_answer(500, f"the query evaluator failed (exit code {code}); see the server log")
        except asyncio.CancelledError:          # the client went away: the evaluator may still be busy
            self._replace(evaluator)
            raise
        answer = json.loads(header)
        if "status" not in answer:              # it ran out of memory (and exits): never reuse it
            self.release(held)
            await self._died(evaluator)
            return error_answer(503, f"the request needed more than the {self.config.max_memory_mb:,} MB memory "
                                "budget and was stopped; narrow the query or add a LIMIT", [("Retry-After", "1")])
        self.idle.put_nowait(evaluator)
        return Answer(answer["status"], [tuple(h) for h in answer["headers"]], payload, held)

    def reserve(self, size: int) -> bool:
        """Hold `size` bytes of the answer budget; False if they do not fit (a small answer always does)."""
        if size > CHUNK and self.held + size > self.budget:
            return False
        self.held += size
        return True

    def release(self, size: int) -> None:
        self.held -= size

    async def _died(self, evaluator: Evaluator) -> int | None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(evaluator.process.wait(), 5)
        code = evaluator.process.returncode
        self._replace(evaluator)
        return code

    async def close(self) -> None:
        self.closed = True
        for evaluator in list(self.all):
            if evaluator.process.stdin is not None:
                evaluator.process.stdin.close()
            evaluator.kill()
        for evaluator in list(self.all):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(evaluator.process.wait(), 5)
        self.all.clear()
