"""The worker's heap settings: frozen long-lived objects, rare collections during layout."""

import gc

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
    assert gc.get_freeze_count() == frozen


def test_thresholds_come_back_when_layout_fails(thawed):
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), heap.fewer_collections():
        raise RuntimeError("layout failed")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
