"""How work is spread over processes."""

from __future__ import annotations

import os

import pytest

from sitegen.parallel import collector_paused, fork_map, share


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7, 100, 285])
@pytest.mark.parametrize("processes", [1, 2, 3, 4])
def test_every_item_goes_to_exactly_one_process_in_runs(count: int, processes: int):
    shares = [share(count, process, processes) for process in range(processes)]
    assert sorted(index for indexes in shares for index in indexes) == list(range(count))
    if count >= 4 * processes:  # long lists: a few runs of neighbours each, not every n-th item
        for indexes in shares:
            runs = sum(1 for before, index in zip([None, *indexes], indexes) if before != index - 1)
            assert 1 <= runs <= 3


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
