"""Helpers shared by the tests of the pinned environments (binder/, binder/hub/, laptops):
reading a uv lock file, running a command with its output in the failure message, and building
a virtual environment from a lock plus the package, the way the images and the guide do it."""

import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def norm(name):
    """A distribution name in its normalised form (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_entries(path):
    """[(name, version, marker or None)] of a lock file written by ``uv pip compile``."""
    entries = []
    for line in pathlib.Path(path).read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s\\;]+)(?:\s*;\s*([^\\]+?))?\s*\\?$", line)
            assert match, f"not an exact pin: {line!r}"
            entries.append((norm(match.group(1)), match.group(2),
                            match.group(3).strip() if match.group(3) else None))
    return entries


def pins(path):
    """{name: version} of a lock with one version per package (no per-Python forks)."""
    result = {}
    for name, version, _ in lock_entries(path):
        assert name not in result, f"{path}: {name} pinned twice (a forked resolution)"
        result[name] = version
    return result


def run(command, **kwargs):
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, (
        f"{shlex.join(map(str, command))} failed:\n"
        f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}")
    return result


def clean_env(venv=None, **extra):
    """The environment for a subprocess that must see only ``venv`` (not the test's own)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    if venv is not None:
        env["PATH"] = f"{pathlib.Path(venv) / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.update(extra)
    return env


def copy_sources(target):
    """A copy of what ``pip install .`` needs, so that a build leaves nothing in the work tree."""
    target = pathlib.Path(target)
    target.mkdir(parents=True, exist_ok=True)
    ignore = shutil.ignore_patterns(".git", ".venv*", "build", "dist", "*.egg-info",
                                    "__pycache__", "_build", ".ipynb_checkpoints")
    for item in ROOT.iterdir():
        if item.name in ("tests", "docs", "benchmarks", "binder") or ignore(ROOT, [item.name]):
            continue
        if item.is_dir():
            shutil.copytree(item, target / item.name, ignore=ignore)
        else:
            shutil.copy2(item, target / item.name)
    return target


def venv_from_lock(tmp_path_factory, name, lock, before=()):
    """A fresh virtual environment: ``pip install`` each of ``before`` (argument lists), then
    ``pip install -r lock``, then the package with ``--no-deps`` (as binder/postBuild does)."""
    venv = tmp_path_factory.mktemp(name) / "venv"
    run([sys.executable, "-m", "venv", str(venv)], timeout=300)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
    for args in before:
        run(pip + ["install", "-q"] + list(args), timeout=1500)
    run(pip + ["install", "-q", "-r", str(lock)], timeout=1500)
    source = copy_sources(tmp_path_factory.mktemp(name + "-source"))
    run(pip + ["install", "-q", "--no-cache-dir", "--no-deps", "."], cwd=source, timeout=600)
    return venv
