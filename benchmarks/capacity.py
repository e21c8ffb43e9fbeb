"""Class capacity: K students run the same lesson at once, each in a fresh kernel.

For K = 1, 2, 4 concurrent kernels on notebooks 03 and 08 (one BLAS thread, as binder/start and
the hub image set it), report per student the kernel's CPU-seconds (user + system), the wall
time from kernel start to the last cell, and the kernel's peak resident memory; plus the
resident memory of an idle Jupyter server and of an idle kernel that has imported the library.

CPU-seconds are the number to size a class with: they are what a student's lesson costs a node
whatever else runs on it, while wall time stretches with contention (K kernels on fewer cores,
or other users of the machine). The report therefore states the load: the number of cores, the
load average, and how busy the whole machine was during each round (from /proc/stat), next to
what our own kernels used.

Run: ``python benchmarks/capacity.py [--counts 1 2 4] [--notebooks 03 08]`` (Linux; a few
minutes). ``--json FILE`` also writes the raw measurements.
"""

import argparse
import json
import os
import pathlib
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
ONE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

# Appended to the notebook: the kernel reports its own CPU time and high-water resident memory
# (ru_maxrss is in KiB on Linux), so nothing has to poll the process from outside.
_USAGE_CELL = (
    "import resource as _r, json as _j\n"
    "_u = _r.getrusage(_r.RUSAGE_SELF)\n"
    "print('CAPACITY', _j.dumps({'cpu': _u.ru_utime + _u.ru_stime, 'rss_mb': _u.ru_maxrss / 1024}))"
)


def _worker(path, workdir):
    """One student: run the notebook in a fresh kernel; print one JSON line."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_USAGE_CELL))
    start = time.perf_counter()
    NotebookClient(nb, timeout=1800, kernel_name="python3",
                   resources={"metadata": {"path": workdir}}).execute()
    wall = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    usage = json.loads(text.split("CAPACITY", 1)[1])
    print(json.dumps({"wall": wall, **usage}), flush=True)


def _cpu_busy():
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in pathlib.Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def _round(path, k, env):
    """K students at once on one notebook; returns their measurements and the machine's load."""
    load_before = os.getloadavg()[0]
    busy0, total0 = _cpu_busy()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        procs = []
        for i in range(k):
            workdir = pathlib.Path(tmp) / f"student{i}"
            workdir.mkdir()
            procs.append(subprocess.Popen(
                [sys.executable, __file__, "--worker", str(path), str(workdir)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
        results = []
        for proc in procs:
            out, err = proc.communicate()
            if proc.returncode != 0:
                raise RuntimeError(f"capacity: notebook {path.name} failed:\n{err[-3000:]}")
            results.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.perf_counter() - start
    busy1, total1 = _cpu_busy()
    cores = os.cpu_count()
    machine_cores_busy = (busy1 - busy0) / max(total1 - total0, 1) * cores
    ours = sum(r["cpu"] for r in results) / elapsed
    return {"notebook": path.name, "k": k, "students": results, "elapsed": elapsed,
            "load_before": load_before, "machine_cores_busy": machine_cores_busy,
            "our_cores_busy": ours}


def _rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _idle_server_mb(env):
    """Resident memory of an idle `jupyter server` (loopback only), and of an idle kernel."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    tmp = tempfile.mkdtemp()
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--ServerApp.root_dir={tmp}", "--IdentityProvider.token=capacity"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        time.sleep(8)  # let it import its extensions and settle
        server_mb = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env=env)
    try:
        kc.execute_interactive("import dlnotebooks as dl, matplotlib.pyplot as plt", timeout=120)
        kernel_mb = _rss_mb(km.provisioner.process.pid)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return server_mb, kernel_mb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--notebooks", nargs="+", default=["03", "08"])
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args(argv)
    env = {**os.environ, **ONE_THREAD}
    paths = []
    for prefix in args.notebooks:
        found = sorted((ROOT / "notebooks").glob(f"{prefix}_*.ipynb"))
        if not found:
            parser.error(f"no notebook starts with {prefix}_")
        paths.append(found[0])

    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start; "
          f"BLAS threads: 1")
    server_mb, kernel_mb = _idle_server_mb(env)
    print(f"idle jupyter server: {server_mb:.0f} MB; idle kernel with dlnotebooks imported: "
          f"{kernel_mb:.0f} MB\n")
    header = (f"{'notebook':<30} {'K':>2} {'CPU-s/student':>14} {'wall s (max)':>13} "
              f"{'peak MB (max)':>14} {'cores busy: ours / machine':>27} {'load':>5}")
    print(header)
    rounds = []
    for path in paths:
        for k in args.counts:
            r = _round(path, k, env)
            rounds.append(r)
            cpu = [s["cpu"] for s in r["students"]]
            wall = [s["wall"] for s in r["students"]]
            rss = [s["rss_mb"] for s in r["students"]]
            print(f"{path.name:<30} {k:>2} {statistics.mean(cpu):>8.1f} (max {max(cpu):4.1f})"
                  f" {max(wall):>8.1f}     {max(rss):>10.0f}     "
                  f"{r['our_cores_busy']:>10.2f} / {r['machine_cores_busy']:.2f}"
                  f"{r['load_before']:>10.2f}", flush=True)
    print("\nCPU-s/student: the kernel's user+system CPU time (mean over the K students). "
          "'cores busy, machine' above 'ours' is other work on the machine during the round.")
    if args.json:
        args.json.write_text(json.dumps({"cores": os.cpu_count(), "idle_server_mb": server_mb,
                                         "idle_kernel_mb": kernel_mb, "rounds": rounds},
                                        indent=1))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        _worker(sys.argv[2], sys.argv[3])
    else:
        main()
