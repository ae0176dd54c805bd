"""How work is spread over processes."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from sitegen.parallel import SHARE, Claims, collector_paused, fork_map


@pytest.mark.parametrize("count", [1, 2, 3, 7, 100, 285])
@pytest.mark.parametrize("processes", [1, 2, 3])
def test_claims_give_every_index_once_each_process_a_run_first(count: int, processes: int):
    processes = min(processes, count)  # as fork_map has it
    claims = Claims(multiprocessing.get_context("fork"), count, processes)
    first = max(1, count // (processes * SHARE))
    takers = [claims.taken_by(process) for process in range(processes)]
    firsts = [[next(taker) for _ in range(first)] for taker in takers]
    assert firsts == [list(range(p * first, (p + 1) * first)) for p in range(processes)]
    rest = [index for taker in takers for index in taker]  # the first asks again first: it takes all the rest
    assert sorted(index for run in firsts for index in run) + rest == list(range(count))


def test_fork_map_hands_out_long_runs_of_neighbours_then_shorter_ones():
    pids = fork_map(lambda item: os.getpid(), list(range(400)), jobs=2)
    assert len(set(pids[:100])) == 1 and len(set(pids[100:200])) == 1 and pids[0] != pids[100]  # the first runs
    stretches = 1 + sum(1 for a, b in zip(pids, pids[1:]) if a != b)
    assert stretches <= 25  # the rest in runs of a quarter of what is left (at least one item): 19 of them


def test_fork_map_keeps_the_order_and_uses_every_process():
    results = fork_map(lambda item: (item * item, os.getpid()), list(range(40)), jobs=2)
    assert [square for square, _ in results] == [item * item for item in range(40)]
    assert len({pid for _, pid in results}) == 2 and os.getpid() in {pid for _, pid in results}


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
