"""Run each course notebook in a fresh kernel; report wall time and the kernel's peak memory.

The course promises at most 60 s and 1 GB per notebook on 2 cores (a Binder session).
Run: ``python benchmarks/notebook_budget.py [NOTEBOOK ...]`` (default: every notebook).
Peak memory is the kernel process's high-water mark of resident memory (VmHWM, Linux).
"""

import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]


def peak_rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    with client.setup_kernel():
        pid = client.km.provisioner.process.pid
        for index, cell in enumerate(nb.cells):  # the kernel lives until the block ends
            client.execute_cell(cell, index)
        elapsed = time.perf_counter() - start
        peak = peak_rss_mb(pid)
    return elapsed, peak


def main(argv):
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                        help="notebook files (default: every notebook in notebooks/)")
    args = parser.parse_args(argv)
    paths = [pathlib.Path(p) for p in args.notebooks]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    paths = paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(f"{'notebook':<42} {'time':>8} {'peak memory':>12}")
    worst = 0.0
    for path in paths:
        elapsed, peak = run(path)
        worst = max(worst, elapsed)
        flag = "  OVER BUDGET" if elapsed > 60 or peak > 1024 else ""
        print(f"{path.name:<42} {elapsed:7.1f}s {peak:9.0f} MB{flag}", flush=True)
    print(f"slowest: {worst:.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
