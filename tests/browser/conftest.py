"""Fixtures for the real-browser tests: one JupyterLab and one headless Chromium per session.

The tests run unless DLNOTEBOOKS_SKIP_BROWSER=1 is set; a missing Chromium or Playwright is
then a failure with instructions, never a silent skip.
"""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from .lab import CHROMIUM, CHROMIUM_ARGS, SKIP_VARIABLE, JupyterLab

NOTEBOOKS = Path(__file__).parent / "notebooks"

# The notebooks are driven by the browser tests (one waits for a Stop click): not for nbval.
collect_ignore_glob = ["notebooks/*", "measure_overhead.py"]


def _skip_allowed():
    return os.environ.get(SKIP_VARIABLE, "") == "1"


@pytest.fixture(scope="session")
def browser_tmp():
    path = Path(tempfile.mkdtemp(prefix="dlnotebooks-browser-"))
    yield path
    if os.environ.get("DLNOTEBOOKS_KEEP_SCREENSHOTS", "") != "1":
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def screenshots(browser_tmp):
    """Directory for screenshots (set DLNOTEBOOKS_SCREENSHOTS to keep them elsewhere)."""
    target = os.environ.get("DLNOTEBOOKS_SCREENSHOTS")
    path = Path(target) if target else browser_tmp / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser():
    if _skip_allowed():
        pytest.skip(f"{SKIP_VARIABLE}=1: real-browser tests skipped on request")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: pip install playwright (the browser itself "
                    "comes from apt: apt-get install -y chromium). Set "
                    f"{SKIP_VARIABLE}=1 to skip these tests explicitly.")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get update && apt-get install -y "
                    f"chromium. Set {SKIP_VARIABLE}=1 to skip these tests explicitly.")
    manager = sync_playwright().start()
    try:
        chromium = manager.chromium.launch(executable_path=CHROMIUM, headless=True,
                                           args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        manager.stop()


@pytest.fixture(scope="session")
def lab(browser, browser_tmp):
    root = browser_tmp / "lab-root"
    root.mkdir()
    with JupyterLab(root) as server:
        yield server


@pytest.fixture
def notebook_copy(lab):
    """Copy a notebook from tests/browser/notebooks into the server root; return its name."""

    def copy(name):
        return lab.add_notebook(NOTEBOOKS / name)

    return copy
