"""Run a function over items in forked worker processes.

Workers are forked, so the function and everything it closes over (the archive, the
templates) reach them without being pickled; only each item's result travels back.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from typing import Callable, Generic, Sequence, TypeVar

from .errors import BuildError, SitegenError

Item = TypeVar("Item")
Result = TypeVar("Result")


def fork_map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int,
             on_result: Callable[[int, Result], None] | None = None) -> list[Result]:
    """`[function(item) for item in items]`, spread over `jobs` processes, in order.

    `on_result(index, result)` runs in this process as each result arrives (progress).
    A failure in a worker stops the others and is raised here as a BuildError.
    """
    if jobs <= 1 or len(items) <= 1:
        results = []
        for index, item in enumerate(items):
            results.append(function(item))
            if on_result:
                on_result(index, results[-1])
        return results
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    workers = [context.Process(target=_work, args=(function, items, start, jobs, messages), daemon=True)
               for start in range(min(jobs, len(items)))]
    for worker in workers:
        worker.start()
    try:
        return _collect(messages, workers, len(items), on_result)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()


class Background(Generic[Result]):
    """`function()` run in a forked process while this one goes on (or, unforked, run when
    its result is asked for); `result()` waits for it. As a context manager, a process
    still running at the end (this one failed) is stopped."""

    def __init__(self, function: Callable[[], Result], fork: bool):
        self._function = function
        self._worker = None
        if fork:
            context = multiprocessing.get_context("fork")
            self._messages = context.Queue()
            self._worker = context.Process(target=_work, args=(lambda _: function(), [None], 0, 1, self._messages),
                                           daemon=True)
            self._worker.start()

    def result(self) -> Result:
        if self._worker is None:
            return self._function()
        _, ok, value = _next(self._messages, [self._worker])
        self._worker.join()
        if not ok:
            raise BuildError(value)
        return value

    def __enter__(self) -> "Background[Result]":
        return self

    def __exit__(self, *error) -> None:
        if self._worker is not None and self._worker.is_alive():
            self._worker.terminate()
            self._worker.join()


def _work(function, items, start: int, step: int, messages) -> None:
    for index in range(start, len(items), step):
        try:
            messages.put((index, True, function(items[index])))
        except SitegenError as exc:
            messages.put((index, False, str(exc)))
            return
        except BaseException as exc:  # report it, never leave the parent waiting
            messages.put((index, False, "".join(traceback.format_exception_only(exc)).strip()))
            return


def _collect(messages, workers, count: int, on_result) -> list:
    results: list = [None] * count
    for _ in range(count):
        index, ok, value = _next(messages, workers)
        if not ok:
            raise BuildError(value)
        results[index] = value
        if on_result:
            on_result(index, value)
    return results


def _next(messages, workers) -> tuple:
    """The next message; a worker that died without a word (killed, out of memory) is an error."""
    while True:
        try:
            return messages.get(timeout=1)
        except queue.Empty:
            dead = [worker for worker in workers if worker.exitcode not in (None, 0)]
            if dead:
                raise BuildError(f"a worker process died (exit code {dead[0].exitcode})") from None
            if all(worker.exitcode is not None for worker in workers) and messages.empty():
                raise BuildError("the worker processes ended without sending every result") from None
