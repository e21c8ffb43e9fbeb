"""The allocator tuning that dlfeval applies once (glibc only) and its opt-out."""

import subprocess
import sys

import pytest

CODE = """
import numpy as np
import dlnotebooks as dl
from dlnotebooks import _malloc
assert _malloc._state["tuned"] is None          # nothing happens at import time
dl.dlfeval(lambda x: dl.dlgradient(np.sum(x * x), x), dl.dlarray(np.ones(3)))
print(_malloc._state["tuned"])
"""


def _run(env_value):
    import os

    env = dict(os.environ)
    env.pop("DLNOTEBOOKS_MALLOC_TUNING", None)
    if env_value is not None:
        env["DLNOTEBOOKS_MALLOC_TUNING"] = env_value
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                         env=env, check=True, timeout=120)
    return out.stdout.strip()


def _glibc():
    import ctypes

    try:
        ctypes.CDLL(None).gnu_get_libc_version  # noqa: B018
    except (OSError, AttributeError):
        return False
    return sys.platform.startswith("linux")


@pytest.mark.skipif(not _glibc(), reason="the tuning applies to glibc's allocator only")
def test_first_dlfeval_tunes_glibc_once():
    assert _run(None) == "True"


def test_environment_variable_turns_the_tuning_off():
    assert _run("0") == "False"


def test_tune_is_idempotent():
    from dlnotebooks import _malloc

    first = _malloc.tune()
    assert _malloc.tune() is first
