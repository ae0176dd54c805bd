"""How work is spread over processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter

import pytest

from sitegen.parallel import SHARE, Claims, collector_paused, fork_map


@pytest.mark.parametrize("count", [1, 2, 3, 7, 100, 285])
@pytest.mark.parametrize("processes", [1, 2, 3])
def test_claims_give_every_index_once_in_runs_of_a_fraction_of_what_is_left(count: int, processes: int):
    processes = min(processes, count)  # as fork_map has it
    claims = Claims(multiprocessing.get_context("fork"), count, processes)
    first_run = max(1, count // (processes * SHARE))
    takers = [claims.taken() for _ in range(processes)]
    firsts = [next(taker, None) for taker in takers]  # each process asks once, in turn
    assert firsts[:2] == [0, first_run][:processes]
    rest = [index for taker in takers for index in taker]
    assert sorted(index for index in firsts + rest if index is not None) == list(range(count))


def test_claims_runs_are_no_longer_than_asked():
    claims = Claims(multiprocessing.get_context("fork"), 1000, 2, longest=30)
    runs = list(claims.runs())
    assert max(map(len, runs)) == 30 and [index for run in runs for index in run] == list(range(1000))


def slowly(item: int) -> int:
    time.sleep(0.001)  # long enough that a process started meanwhile takes a run
    return os.getpid()


def test_fork_map_hands_out_long_runs_of_neighbours_then_shorter_ones():
    pids = fork_map(slowly, list(range(400)), jobs=2)
    assert len(set(pids[:100])) == 1 and len(set(pids[100:175])) == 1 and pids[0] != pids[100]  # the first runs
    stretches = 1 + sum(1 for a, b in zip(pids, pids[1:]) if a != b)
    assert stretches <= 25  # the rest in runs of a quarter of what is left (at least one item): 19 of them


def test_fork_map_keeps_the_order_and_uses_every_process():
    results = fork_map(lambda item: (item * item, slowly(item)), list(range(40)), jobs=2)
    assert [square for square, _ in results] == [item * item for item in range(40)]
    assert len({pid for _, pid in results}) == 2 and os.getpid() in {pid for _, pid in results}


def test_a_held_worker_starts_only_once_it_is_let_go():
    """The render worker waits while the search process is busy: two busy processes on two cores, not three."""
    done = []
    pids = fork_map(lambda item: done.append(item) or slowly(item), list(range(300)), jobs=2,
                    hold_one=lambda: len(done) < 120)
    assert set(pids[:120]) == {os.getpid()}  # this process alone while the worker was held
    assert len(set(pids)) == 2  # then the worker took its share


def test_a_worker_held_to_the_end_is_never_started(monkeypatch):
    started = []
    start = multiprocessing.get_context("fork").Process.start
    monkeypatch.setattr(multiprocessing.get_context("fork").Process, "start",
                        lambda process: started.append(process) or start(process))
    assert fork_map(lambda item: item * 2, list(range(50)), jobs=2, hold_one=lambda: True) == list(range(0, 100, 2))
    assert started == []


def test_a_worker_is_renewed_after_as_many_items_as_asked():
    """A fresh fork holds only what its own items read (the render worker's memory)."""
    pids = fork_map(slowly, list(range(300)), jobs=2, renew_after=20)
    workers = Counter(pid for pid in pids if pid != os.getpid())
    assert len(workers) >= 3  # the worker was renewed, again and again
    assert max(workers.values()) < 2 * 20  # none went on long past its 20 items (it ends at a run's end)


def test_renewal_keeps_every_result_in_order():
    assert fork_map(lambda item: item * 3, list(range(500)), jobs=3, renew_after=7) == [item * 3 for item in range(500)]


def test_collector_paused_restores_it_and_can_collect_the_cycles_made_meanwhile():
    import gc
    import weakref

    class Node:
        pass

    assert gc.isenabled()
    with collector_paused(collect_after=True):
        assert not gc.isenabled()
        node = Node()
        node.self = node  # a cycle, garbage once the name is gone
        alive = weakref.ref(node)
        del node
        assert alive() is not None  # no automatic collection while paused
    assert gc.isenabled() and alive() is None
