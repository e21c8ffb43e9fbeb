"""Let the C allocator keep freed array memory for reuse (Linux with glibc only).

A training step allocates and frees the same large arrays (activations, gradients, window
matrices) again and again. By default glibc hands blocks of more than a few MiB straight back
to the kernel and takes them again at the next allocation, and the kernel must then map and
zero every 4 KiB page anew: on the LeNet benchmark that was 6,000-8,000 page faults and about
a fifth of the step. Raising the two thresholds below keeps those blocks in the heap, so the
next step reuses them. The peak memory is unchanged (the same blocks are reused, measured
with VmHWM); the resident size simply stays near the peak instead of falling between steps.

:func:`tune` runs once, at the first ``dlfeval`` (never at import). Set the environment
variable ``DLNOTEBOOKS_MALLOC_TUNING=0`` to leave the allocator alone.
"""

import ctypes
import os
import sys

_M_TRIM_THRESHOLD = -1  # glibc's mallopt parameter numbers (malloc.h)
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20  # blocks up to 32 MiB come from the heap (glibc's largest setting)
TRIM_THRESHOLD = 128 << 20  # free memory at the top of the heap is returned beyond 128 MiB

_state = {"tuned": None}


def tune():
    """Raise glibc's mmap and trim thresholds once; returns True when they were set."""
    if _state["tuned"] is None:
        _state["tuned"] = _apply()
    return _state["tuned"]


def _apply():
    setting = os.environ.get("DLNOTEBOOKS_MALLOC_TUNING", "1").strip().lower()
    if setting in ("0", "false", "no", "off") or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - raises AttributeError when libc is not glibc
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
