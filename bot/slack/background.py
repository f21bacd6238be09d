"""Work that follows an acknowledgement, kept off the path that answers Slack.

A listener acks and opens its loading modal with the trigger id (what Slack's 3 seconds are for),
then hands the rest (reading the database, building the view, ``views.update``) to a
:class:`Background`:

* :class:`ThreadBackground` runs it on a small thread pool in the same process (Socket Mode,
  ``collab-bot run``, tests with a pinned clock);
* :class:`ProcessBackground` runs it in separate worker processes at a lower CPU priority
  (``collab-bot serve``: ``BACKGROUND_PROCESSES`` per web worker, default 1, each running several
  tasks at once). A web worker then only verifies, acks and opens modals, so its answers to Slack
  do not queue behind building forms for its GIL or the CPU; under a burst the forms wait instead
  of the acknowledgements. Until the processes have started (a few seconds after a deploy) tasks
  run on threads in the worker.

A task is a module-level function ``task(ctx, *args)`` with picklable arguments; the worker
process builds its own :class:`~bot.context.BotContext` from the environment once.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from bot.context import BotContext

log = logging.getLogger(__name__)

Task = Callable[..., None]
#: How much lower the background processes' CPU priority is (``nice``): when the CPU is short,
#: the web workers' acknowledgements come first and the forms wait (bench.ack: with 0 the ack p99
#: was 3.8x a bare app's under a closed-loop burst, with 10 about 1.6x).
NICENESS = 10


def _logged(future: Future[Any]) -> None:
    exc = future.exception()
    if exc is not None:
        log.error("background task failed: %s", type(exc).__name__, exc_info=exc)


class Background(Protocol):
    def submit(self, task: Task, *args: Any) -> None: ...

    def shutdown(self) -> None: ...


class ThreadBackground:
    """Tasks on a thread pool in this process, with this process's context."""

    def __init__(self, ctx: BotContext, threads: int = 8) -> None:
        self._ctx = ctx
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="background")

    def submit(self, task: Task, *args: Any) -> None:
        self._pool.submit(task, self._ctx, *args).add_done_callback(_logged)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True)


_worker: ThreadBackground | None = None
#: Tasks each background process runs at once (they mostly wait on the database and Slack).
THREADS_PER_PROCESS = 8


def _start_worker(niceness: int) -> None:
    """In each background process: lower the priority, build the context from the environment."""
    global _worker
    from bot.settings import load_settings
    from bot.slack.app import build_context

    try:
        os.nice(niceness)
    except OSError:
        pass
    import handlers  # noqa: F401 - the listeners' tasks and what they import, before the first task

    for name in ("measures", "pdsa"):
        __import__(f"handlers.{name}")
    _worker = ThreadBackground(build_context(load_settings()), THREADS_PER_PROCESS)


def _run(task: Task, args: tuple[Any, ...]) -> None:
    """In a background process: start ``task`` on its threads and return (so tasks overlap)."""
    if _worker is None:
        raise RuntimeError("background worker not started")
    _worker.submit(task, *args)


class ProcessBackground:
    """Tasks in ``processes`` separate worker processes (started on first use, then kept)."""

    def __init__(self, processes: int, fallback: ThreadBackground, niceness: int = NICENESS) -> None:
        self._processes = processes
        self._niceness = niceness
        self._fallback = fallback
        self._pool: Executor | None = None
        self._ready: Future[int] | None = None
        self._lock = threading.Lock()

    def _executor(self) -> Executor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self._processes,
                    mp_context=multiprocessing.get_context("spawn"),  # no fork of a threaded process
                    initializer=_start_worker,
                    initargs=(self._niceness,),
                )
            return self._pool

    def start(self) -> None:
        """Start the worker processes now; until one is ready, tasks run on threads here."""
        pool = self._executor()
        ready = [pool.submit(os.getpid) for _ in range(self._processes)]
        with self._lock:
            self._ready = ready[0]

    def submit(self, task: Task, *args: Any) -> None:
        ready = self._ready
        if ready is not None and not ready.done():  # still starting (a deploy): don't wait for it
            self._fallback.submit(task, *args)
            return
        try:
            pickle.dumps((task, args))
        except (pickle.PicklingError, TypeError, AttributeError) as exc:  # never lose the work
            log.error("background task %s cannot go to another process: %s", task.__name__, exc)
            self._fallback.submit(task, *args)
            return
        try:
            self._executor().submit(_run, task, args).add_done_callback(_logged)
        except (BrokenProcessPool, RuntimeError) as exc:
            log.warning("background processes unavailable (%s); running here", type(exc).__name__)
            with self._lock:
                self._pool = None
            self._fallback.submit(task, *args)

    def shutdown(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        self._fallback.shutdown()
