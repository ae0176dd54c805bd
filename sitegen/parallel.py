"""Run a function over items in forked worker processes.

Workers are forked, so the function and everything it closes over (the archive, the
templates) reach them without being pickled; only each item's result travels back.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import signal
import threading
import traceback
from contextlib import contextmanager
from typing import Callable, Generic, Iterable, Iterator, Sequence, TypeVar

from .errors import BuildError, SitegenError

Item = TypeVar("Item")
Result = TypeVar("Result")

SHARE = 2  # a run is 1/SHARE of each process's share of the items left
RENEW = None  # the message of a worker that ends to be renewed (`fork_map`'s `renew_after`)


def fork_map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int,
             on_result: Callable[[int, Result], None] | None = None,
             hold_one: Callable[[], bool] | None = None, renew_after: int | None = None) -> list[Result]:
    """`[function(item) for item in items]`, spread over `jobs` processes, in order: this
    one and `jobs - 1` forked ones (one process fewer holding a copy of what they read).
    Each takes runs of consecutive items as it goes (`Claims`).

    `on_result(index, result)`, given, takes each result in this process as it arrives
    (progress, and what the caller keeps of it), and the list returned holds None: the
    results of a million items are not all held until the last one.
    While `hold_one()` is true (asked between this process's items), one forked process
    waits to be started: another process of the build is busy meanwhile, and more busy
    processes than cores get less done (they take turns, each finding the caches cold).
    `renew_after`, given, ends a forked process once it has done that many items (at the
    end of a run, runs being no longer) and forks another in its place. A worker copies
    each page of memory it reads from (reading an object writes its reference count), so
    one that lives to the end holds a copy of most of what all the items read; a renewed
    one holds what its own items read.
    A failure in a worker stops the others and is raised here as a BuildError.
    """
    processes = max(1, min(jobs, len(items)))
    # What exists now is left out of the collector's scans until the end: in a worker they
    # would write to (and so copy) every object; here, in one process or several, they
    # would be scanned again (the model, made with the collector paused, is all young).
    gc.freeze()
    try:
        if processes == 1:
            return _work_and_collect(function, items, range(len(items)), None, [], on_result)
        return _fork_and_collect(function, items, processes, on_result, hold_one, renew_after)
    finally:
        gc.unfreeze()


def _fork_and_collect(function, items, processes: int, on_result, hold_one, renew_after: int | None) -> list:
    """`fork_map` with `processes - 1` forked processes beside this one."""
    context = multiprocessing.get_context("fork")
    messages = context.Queue()
    claims = Claims(context, len(items), processes, renew_after)

    def worker():
        return context.Process(target=_work, args=(function, items, claims, messages, renew_after), daemon=True)

    def renew() -> None:
        """A worker in place of one that ended after `renew_after` items."""
        gc.freeze()  # as for a held worker (`_work_and_collect`)
        workers.append(worker())
        workers[-1].start()

    workers = [worker() for _ in range(1, processes)]
    held = workers[-1:] if hold_one else []
    try:
        for each in workers:
            if each not in held:
                each.start()
        return _work_and_collect(function, items, claims.taken(), messages, workers, on_result, held, hold_one,
                                 renew)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            if worker.pid is not None:
                worker.join()


class Claims:
    """Indexes of items in runs of consecutive ones: whenever a process is done with its
    run it takes the next, a fraction of what is left. Neighbours often share work a
    process caches (the papers listed on co-authors' pages), so the first runs are long;
    the last ones are short, so all processes end together, whenever each started."""

    def __init__(self, context, count: int, processes: int, longest: int | None = None):
        self.count = count
        self.share = processes * SHARE  # a run is what is left divided by this
        self.longest = longest or count
        self._next = context.Value("q", 0)  # the first index no process has taken

    def runs(self) -> Iterator[range]:
        """The runs one process takes, as it asks for them."""
        while True:
            with self._next.get_lock():
                start = self._next.value
                run = min(self.longest, max(1, (self.count - start) // self.share))
                end = self._next.value = min(self.count, start + run)
            if start >= self.count:
                return
            yield range(start, end)

    def taken(self) -> Iterator[int]:
        """The indexes one process takes, as it asks for them."""
        for run in self.runs():
            yield from run

    def left(self) -> bool:
        """Whether some index is not taken yet."""
        return self._next.value < self.count


def _work_and_collect(function, items, mine: Iterable[int], messages, workers, on_result,
                      held: list | None = None, hold_one=None, renew: Callable[[], None] | None = None) -> list:
    """This process's items, taking the workers' results between its own (and starting the
    `held` worker once `hold_one()` is false, and a new worker for each that sends RENEW);
    then the rest of theirs."""
    results: list = [None] * len(items)
    missing = len(items)

    def keep(index: int, value) -> None:
        nonlocal missing
        missing -= 1
        if on_result:
            on_result(index, value)
        else:
            results[index] = value

    def take(message: tuple | None) -> None:
        if message is RENEW:
            renew()
            return
        index, ok, value = message
        if not ok:
            raise BuildError(value)
        keep(index, value)

    for index in mine:
        if held and not hold_one():
            # what this process made since `fork_map` froze the rest (its own pages' caches)
            # left out of the collector's scans too, which would copy it into the worker
            gc.freeze()
            held.pop().start()
        keep(index, function(items[index]))
        while messages is not None:
            try:
                take(messages.get_nowait())
            except queue.Empty:
                break
    while missing:
        take(_next(messages, [worker for worker in workers if worker.pid is not None]))
    return results


@contextmanager
def collector_paused(collect_after: bool = False) -> Iterator[None]:
    """Python's cycle collector off while a great many short-lived containers are made
    (postings, pages being rendered): they form no cycles, and the collector's scans of
    them cost much (they more than double the index build time). `collect_after` collects
    the young generations once at the end, so cycles a theme might make stay bounded."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collect_after:
            gc.collect(1)
        if enabled:
            gc.enable()


def maybe_forked_map(function: Callable[[Item], Result], items: Sequence[Item], jobs: int) -> Iterable[Result]:
    """`fork_map`'s results; with one job, made one at a time as they are taken, so only
    one is in memory at a time."""
    return map(function, items) if jobs <= 1 else fork_map(function, items, jobs)


class Background(Generic[Result]):
    """`function()` run in a forked process while this one goes on (or, unforked, run when
    its result is asked for); `result()` waits for it. A thread here takes the result as
    soon as it is sent, so the process ends then and its memory is free while this one goes
    on. As a context manager, a process still running at the end (this one failed) is stopped."""

    def __init__(self, function: Callable[[], Result], fork: bool):
        self._function = function
        self._worker = None
        if fork:
            context = multiprocessing.get_context("fork")
            receiver, sender = context.Pipe(duplex=False)
            # not a daemon: it may fork workers of its own (stopped at the end all the same)
            self._worker = context.Process(target=_send_outcome, args=(function, sender))
            gc.freeze()
            self._worker.start()
            gc.unfreeze()
            sender.close()  # here, so the receiver sees the end of the pipe if the process dies
            self._outcome: tuple[bool, object] | None = None
            self._receiving = threading.Thread(target=self._receive, args=(receiver,), daemon=True)
            self._receiving.start()

    def _receive(self, receiver) -> None:
        try:
            self._outcome = receiver.recv()
        except EOFError:  # it died without a word (killed, out of memory)
            pass
        receiver.close()

    def running(self) -> bool:
        """Whether the forked process is still at work (it never is unforked: it runs in `result`)."""
        return self._worker is not None and self._receiving.is_alive()

    def result(self) -> Result:
        if self._worker is None:
            return self._function()
        self._receiving.join()
        self._worker.join()
        if self._outcome is None:
            raise BuildError(f"a worker process died (exit code {self._worker.exitcode})")
        ok, value = self._outcome
        if not ok:
            raise BuildError(value)
        return value

    def __enter__(self) -> "Background[Result]":
        return self

    def __exit__(self, *error) -> None:
        if self._worker is not None and self._worker.is_alive():
            self._worker.terminate()
            self._worker.join()


def _outcome(function: Callable[[], Result]) -> tuple[bool, Result | str]:
    """(True, what `function()` returns), or (False, what went wrong), to send to the parent."""
    try:
        return True, function()
    except SitegenError as exc:
        return False, str(exc)
    except BaseException as exc:  # report it, never leave the parent waiting
        return False, "".join(traceback.format_exception_only(exc)).strip()


def _send_outcome(function: Callable[[], Result], sender) -> None:
    signal.signal(signal.SIGTERM, _exit)  # stopped, it stops its own workers on the way out
    sender.send(_outcome(function))


def _exit(signum, frame) -> None:
    raise SystemExit(128 + signum)


def _work(function, items, claims: Claims, messages, renew_after: int | None) -> None:
    done = 0
    for run in claims.runs():
        for index in run:
            ok, value = _outcome(lambda: function(items[index]))
            messages.put((index, ok, value))
            if not ok:
                return
        done += len(run)
        if renew_after and done >= renew_after and claims.left():
            messages.put(RENEW)  # after its results: the queue keeps one process's messages in order
            return


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
