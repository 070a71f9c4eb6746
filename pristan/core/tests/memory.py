"""Memory, for the tests that prove a reader or a writer holds a chunk and not the whole file."""

import tracemalloc
from collections.abc import Callable
from typing import Any


def traced_peak(work: Callable[[], Any]) -> tuple[Any, int]:
    """What ``work()`` returns, and the peak of Python's allocations while it ran (tracemalloc)."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
