"""The worker's heap: what lives as long as the process is kept out of the collector's way."""

import gc
import threading
from contextlib import contextmanager


def settle() -> None:
    """Collect once, then move every object still alive into the permanent generation.

    Modules, mappers, the app and its configuration live as long as the worker; a full
    collection during a request scanned all of them, every few dozen requests. Frozen, it
    scans only what requests create (figures in docs/performance.md).
    """
    gc.collect()
    gc.freeze()


#: while laying out a report, collect garbage far less often: layout allocates millions of
#: short-lived objects in few reference cycles, and the default thresholds cost a large
#: share of its time (docs/performance.md)
LAYOUT_GC_THRESHOLD = (100_000, 50, 100)

#: the collector's settings belong to the process, not to a thread: layouts running at the
#: same time share one change, made by the first to start and undone by the last to end
_layouts_lock = threading.Lock()
_layouts_running = 0
_saved_threshold: tuple[int, ...] = ()
_thaw_at_end = False


@contextmanager
def fewer_collections():
    """Collect rarely, and never scan what existed before (the app, the request's data).

    In a settled worker the long-lived heap is frozen already and stays so; elsewhere (the
    CLI, tests) everything alive is frozen for the duration and thawed afterwards. Safe to
    enter from several threads at once: the thresholds come back only when the last layout
    ends, and are the ones from before the first began.
    """
    global _layouts_running, _saved_threshold, _thaw_at_end
    with _layouts_lock:
        if _layouts_running == 0:
            _saved_threshold = gc.get_threshold()
            _thaw_at_end = gc.get_freeze_count() == 0
            if _thaw_at_end:
                gc.freeze()
            gc.set_threshold(*LAYOUT_GC_THRESHOLD)
        _layouts_running += 1
    try:
        yield
    finally:
        with _layouts_lock:
            _layouts_running -= 1
            if _layouts_running == 0:
                gc.set_threshold(*_saved_threshold)
                if _thaw_at_end:
                    gc.unfreeze()
