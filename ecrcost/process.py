"""Process-wide settings: for ecrcost's own processes (the `ecrcost` command and its benchmarks),
and one the collector holds while it runs.

`no_huge_pages()` turns transparent huge pages off for the calling process (Linux
``prctl(PR_SET_THP_DISABLE)``; inherited by its children). DuckDB asks the kernel for huge pages
(``madvise(MADV_HUGEPAGE)``) for its large hash tables; each one the model builds is new memory,
and on a kernel with THP in ``madvise`` mode every 2 MiB fault is zeroed and charged up front.
Measured on 2 cores (`bench/pricing.py`, 1M images / 5M edges): the pricing step's kernel time
was 0.3-1.1 s from run to run with huge pages and 0.3 s without, its wall time 1.0-1.7 s and
1.02-1.07 s; at 10M images 12.2-12.5 s and 11.2-11.3 s (kernel time 7 s and 3.5 s). The
library never calls it itself (a notebook's process is its owner's): call it there to get the
same behaviour.

`heap_frozen()` keeps the cyclic garbage collector off the objects that existed before a piece of
work for its duration (``gc.freeze``; undone after). A collection creates many containers (parsed
responses, rows), so the collector runs its full pass now and then: in about every other
collection of 20 repositories x 100 images (`bench/collect.py`) one pass walked 100-200 k
objects in 27-81 ms, most of them alive since before the run (pandas, pyarrow, botocore's
models) and for as long as the process. Frozen, they are out of its reach (no full pass
happened in six such runs).
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import sys
from collections.abc import Iterator

PR_SET_THP_DISABLE = 41  # linux/prctl.h
PR_GET_THP_DISABLE = 42


def _prctl(option: int, arg: int = 0) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(option, arg, 0, 0, 0))


def no_huge_pages() -> bool:
    """Disable transparent huge pages for this process (see the module docstring). True when
    they are now off; False where the kernel or platform has no such switch (nothing changes)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return _prctl(PR_SET_THP_DISABLE, 1) == 0 and _prctl(PR_GET_THP_DISABLE) == 1
    except (OSError, AttributeError):  # no libc symbol: not a glibc/musl Linux
        return False


@contextlib.contextmanager
def heap_frozen() -> Iterator[None]:
    """Freeze the objects alive now out of the cyclic GC's passes until the block ends (see the
    module docstring); also a decorator. When the process froze objects itself, nothing changes
    (unfreezing would undo its own freeze too)."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
