"""Split a piece of work in two halves on two threads (opt-in: ``DLNOTEBOOKS_THREADS=2``).

NumPy's BLAS parallelises large matrix products by itself, but not the many small products
of a convolution (one per output position: below OpenBLAS's threading threshold each runs on
one thread), and nothing else in NumPy runs on more than one thread. :func:`split` runs
``fn(lo, hi)`` on two halves of a range at once, one in the calling thread and one in a
helper thread (NumPy releases the GIL inside its loops and BLAS calls), and meanwhile sets
BLAS to one thread so that the two halves do not oversubscribe the cores.

Off unless the environment variable ``DLNOTEBOOKS_THREADS`` is ``2`` when the work runs: on a
machine shared with other jobs it made the DCGAN generator step of ``benchmarks/bench_cnn.py``
1.3x slower at two BLAS threads (its products are large enough for BLAS to split them
itself) and the LeNet step could not be timed reliably (its two-thread timings swung 3-10x).
When on, it still follows the user's BLAS setting: with BLAS at one thread (Binder and the
course hubs set ``OPENBLAS_NUM_THREADS=1``), without threadpoolctl, or where threads cannot
start (Pyodide), everything runs in the calling thread. The BLAS thread count
is restored before :func:`split` returns, also when ``fn`` raises.

Global state (listed in the package docstring): the threadpoolctl view of NumPy's BLAS
library and the one helper thread, both made at the first split, and a lock that lets one
split run at a time (a second caller, e.g. from another thread, runs its work serially).
"""

import os
import threading

_state = {"blas": None, "pool": None}
_lock = threading.Lock()


def _blas():
    """threadpoolctl controllers of the BLAS libraries loaded now (NumPy's), or []."""
    if _state["blas"] is None:
        try:
            from threadpoolctl import ThreadpoolController
            _state["blas"] = list(ThreadpoolController().select(user_api="blas")
                                  .lib_controllers)
        except Exception:  # no threadpoolctl, or it cannot inspect this platform
            _state["blas"] = []
    return _state["blas"]


def workers():
    """2 when splitting is switched on and BLAS is set to more than one thread, else 1."""
    if os.environ.get("DLNOTEBOOKS_THREADS", "").strip() != "2":
        return 1
    libs = _blas()
    return 2 if libs and max(lib.num_threads for lib in libs) > 1 else 1


def _pool():
    if _state["pool"] is None:
        from concurrent.futures import ThreadPoolExecutor
        _state["pool"] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlnotebooks")
    return _state["pool"]


def split(fn, n):
    """``[fn(0, n)]``, or ``[fn(0, h), fn(h, n)]`` run at once on two threads (h = n // 2)."""
    if n < 2 or workers() < 2 or not _lock.acquire(blocking=False):
        return [fn(0, n)]
    try:
        libs = _blas()
        saved = [lib.num_threads for lib in libs]
        for lib in libs:
            lib.set_num_threads(1)
        try:
            try:
                future = _pool().submit(fn, n // 2, n)
            except RuntimeError:  # threads cannot start here
                future = None
            if future is not None:
                try:
                    first = fn(0, n // 2)
                finally:
                    future.exception()  # wait for the other half before restoring BLAS
                return [first, future.result()]
        finally:
            for lib, count in zip(libs, saved):
                lib.set_num_threads(count)
        return [fn(0, n)]
    finally:
        _lock.release()
