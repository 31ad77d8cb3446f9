"""Whether this machine still has to compile the engine's kernels (numba's one-time cost).

numba compiles the kernels on their first call and keeps the machine code in
its cache (``__pycache__`` beside the modules, or ``NUMBA_CACHE_DIR``).  The
first run after an install therefore takes some 10-20 s longer; the command
line says so while it happens instead of looking stuck.
"""

from __future__ import annotations

from typing import Any

# About how long the one-time compile takes on a 2-core machine (measured: 12-18 s).
COMPILE_SECONDS = "15-20"


def compile_pending() -> bool:
    """True when a kernel has no usable cached machine code for this source and interpreter.

    numba keeps, per kernel, an index whose stamp names the source file's
    modification time and size; an index that is missing or stale loads as
    empty, and the kernel is compiled on its next call.  The index is read
    through numba's cache object, which is not public API: where it is not
    there (another numba), this answers False rather than announce a compile
    that may not come.
    """
    from saas_sim.engine import compiled, selection

    kernels: tuple[Any, ...] = (compiled.simulate_paths, selection.column_statistics)  # _cache: not typed API
    for kernel in kernels:
        try:
            overloads = kernel._cache._cache_file._load_index()
        except Exception:
            return False
        if not overloads:
            return True
    return False
