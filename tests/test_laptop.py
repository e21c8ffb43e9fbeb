"""Laptops without a network: the instructor guide's two command blocks, run as written.

The first block (with a network) fills a wheelhouse from the lock plus the package's wheel; the
second (on each laptop) installs from that wheelhouse alone into a fresh virtual environment.
The commands are read from docs/instructor-guide.md, so the guide cannot drift from what is
tested. The laptop step runs with pip's configuration removed and its index pointed at a closed
port on 127.0.0.1: any attempt to reach a package index fails the test.
"""

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest
from packaging.markers import Marker

from lockfiles import BINDER, ROOT, copy_sources, lock_entries, run

GUIDE = ROOT / "docs" / "instructor-guide.md"
SECTION = "## Offline, on the participants' laptops"


def _laptop_blocks():
    text = GUIDE.read_text()
    assert SECTION in text, f"{GUIDE.name} lost its section {SECTION!r}"
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```bash\n(.*?)```", section, re.S)
    prepare = [b for b in blocks if "pip download" in b]
    laptop = [b for b in blocks if "--no-index" in b]
    assert len(prepare) == 1 and len(laptop) == 1, blocks
    return prepare[0], laptop[0]


def test_guide_has_an_offline_command_pair():
    prepare, laptop = _laptop_blocks()
    assert "-r binder/requirements.txt" in prepare
    lines = [line for line in laptop.splitlines() if line and not line.startswith("#")]
    assert lines[0] == "python3 -m venv .venv"
    # The lock first (hash-checked), then the package's own wheel without dependencies: pip's
    # hash-checking mode refuses an unpinned wheel in the same command.
    lock_line = next(line for line in lines if " -r " in line)
    package_line = next(line for line in lines if line.endswith(" dlnotebooks"))
    assert lines.index(lock_line) < lines.index(package_line)
    assert "--no-index" in lock_line and "--require-hashes" not in package_line
    assert "--no-index" in package_line and "--no-deps" in package_line


def _bash(script, cwd, env, timeout):
    return run(["bash", "-euo", "pipefail", "-c", script], cwd=cwd, env=env, timeout=timeout)


@pytest.mark.binder
def test_offline_install_from_a_wheelhouse(tmp_path):
    if os.environ.get("DLNOTEBOOKS_SKIP_BINDER") == "1":
        pytest.skip("DLNOTEBOOKS_SKIP_BINDER=1")
    prepare, laptop = _laptop_blocks()
    base_python = pathlib.Path(os.path.realpath(sys.executable))

    # The instructor's machine: a clone of the repository and a Python with a network.
    clone = copy_sources(tmp_path / "clone")
    (clone / "binder").mkdir()
    shutil.copy2(BINDER / "requirements.txt", clone / "binder" / "requirements.txt")
    instructor = tmp_path / "instructor-venv"
    run([str(base_python), "-m", "venv", str(instructor)], timeout=300)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{instructor / 'bin'}{os.pathsep}{env['PATH']}"
    _bash(prepare, clone, env, timeout=1800)
    wheelhouse = clone / "wheelhouse"
    files = sorted(p.name for p in wheelhouse.iterdir())
    assert any(re.fullmatch(r"dlnotebooks-.*\.whl", f) for f in files), files
    sdists = [f for f in files if f.endswith((".tar.gz", ".zip"))]
    assert not sdists, f"a laptop cannot build these offline: {sdists}"

    # The laptop: only the wheelhouse (the USB stick), a plain Python, no index reachable.
    laptop_dir = tmp_path / "laptop"
    laptop_dir.mkdir()
    shutil.copytree(wheelhouse, laptop_dir / "wheelhouse")
    plain = tmp_path / "plain-bin"
    plain.mkdir()
    (plain / "python3").symlink_to(base_python)
    offline = {k: v for k, v in os.environ.items()
               if not k.startswith(("PIP_", "PYTHON", "VIRTUAL_ENV", "UV_"))}
    offline.update(PATH=f"{plain}{os.pathsep}/usr/bin{os.pathsep}/bin",
                   PIP_CONFIG_FILE=os.devnull, PIP_INDEX_URL="http://127.0.0.1:9/simple",
                   HOME=str(tmp_path / "home"))
    _bash(laptop, laptop_dir, offline, timeout=1800)

    python = laptop_dir / ".venv" / "bin" / "python"
    run([str(python), "-m", "pip", "check"], env=offline, timeout=120)
    listed = json.loads(run([str(python), "-m", "pip", "list", "--format=json"], env=offline,
                            timeout=120).stdout)
    installed = {p["name"].lower().replace("_", "-"): p["version"] for p in listed}
    for name, version, marker in lock_entries(BINDER / "requirements.txt"):
        if marker is None or Marker(marker).evaluate():
            assert installed.get(name) == version, (name, installed.get(name), version)
    found = run([str(python), "-c", "from dlnotebooks.course import notebooks_dir; "
                 "print(notebooks_dir())"], cwd=tmp_path, env=offline, timeout=120).stdout
    folder = pathlib.Path(found.strip()).resolve()
    assert folder.is_relative_to((laptop_dir / ".venv").resolve())
    assert len(list(folder.glob("*.ipynb"))) == len(list((ROOT / "notebooks").glob("*.ipynb")))
    assert (laptop_dir / ".venv" / "bin" / "dlnotebooks").exists()
