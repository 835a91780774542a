"""The worker's heap: what lives as long as the process is kept out of the collector's way."""

import gc
from contextlib import contextmanager


def settle() -> None:
    """Collect once, then move every object still alive into the permanent generation.

    Modules, mappers, the app and its configuration live as long as the worker; a full
    collection during a request scanned all of them (65–90 ms on the large data set's
    pages, every few dozen requests). Frozen, it scans only what requests create (2 ms).
    """
    gc.collect()
    gc.freeze()


#: while laying out a report, collect garbage far less often: layout allocates millions of
#: short-lived objects in few reference cycles, and the default thresholds cost about a
#: quarter of its time
LAYOUT_GC_THRESHOLD = (100_000, 50, 100)


@contextmanager
def fewer_collections():
    """Collect rarely, and never scan what existed before (the app, the request's data).

    In a settled worker the long-lived heap is frozen already and stays so; elsewhere (the
    CLI, tests) everything alive is frozen for the duration and thawed afterwards.
    """
    previous = gc.get_threshold()
    thaw = gc.get_freeze_count() == 0
    if thaw:
        gc.freeze()
    gc.set_threshold(*LAYOUT_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*previous)
        if thaw:
            gc.unfreeze()
