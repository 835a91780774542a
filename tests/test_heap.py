"""The worker's heap settings: frozen long-lived objects, rare collections during layout."""

import gc
import threading

import pytest

from knowtrans.core import heap


@pytest.fixture
def thawed():
    """Each test starts and ends with nothing frozen and the default thresholds."""
    gc.unfreeze()
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settle_freezes_what_is_alive(thawed):
    kept = [object() for _ in range(100)]
    heap.settle()
    assert gc.get_freeze_count() >= len(kept)


def test_layout_freezes_the_heap_for_its_duration_only(thawed):
    before = gc.get_threshold()
    with heap.fewer_collections():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == heap.LAYOUT_GC_THRESHOLD
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_layout_in_a_settled_worker_leaves_its_heap_frozen(thawed):
    heap.settle()
    frozen = gc.get_freeze_count()
    with heap.fewer_collections():
        pass
    # still frozen (a thaw empties the permanent generation); frozen objects may still be
    # freed meanwhile, e.g. by a thread an earlier test left finishing
    assert gc.get_freeze_count() > frozen * 0.9


def test_thresholds_come_back_when_layout_fails(thawed):
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), heap.fewer_collections():
        raise RuntimeError("layout failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_overlapping_layouts_restore_the_thresholds_from_before_the_first(thawed):
    """Two threads: A starts, B starts, A ends, B ends. The settings are the process's, so
    A must not restore them under B, and B must not 'restore' the layout's own."""
    before = gc.get_threshold()
    a_started, b_started, a_ended = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def layout_a():
        with heap.fewer_collections():
            a_started.set()
            assert b_started.wait(60)
        a_ended.set()

    def layout_b():
        assert a_started.wait(60)
        with heap.fewer_collections():
            b_started.set()
            assert a_ended.wait(60)
            seen["during"] = gc.get_threshold()
            seen["frozen"] = gc.get_freeze_count()

    threads = [threading.Thread(target=layout_a), threading.Thread(target=layout_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive()
    assert seen["during"] == heap.LAYOUT_GC_THRESHOLD
    assert seen["frozen"] > 0
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
