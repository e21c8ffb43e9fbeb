"""Timing helpers shared by the benchmarks: alternating rounds, thread counts, peak memory.

Every benchmark script has the same command line, handled by :func:`run`:

* ``python benchmarks/bench_x.py`` prints the machine (CPU model, cores, load, BLAS) and runs
  itself once per thread count (default 1 and 2) in a fresh interpreter, because BLAS reads
  its thread count when NumPy is first imported; then it prints one summary table of
  dlnotebooks / reference ratios.
* ``--threads N`` runs the timings in this process with N BLAS and torch threads.
* ``--peak WORKLOAD:SIDE`` (internal) measures peak resident memory in a fresh process.
* ``--blas native`` (the default) starts those interpreters without ``OPENBLAS_CORETYPE`` and
  ``OPENBLAS_L2_SIZE``, so OpenBLAS picks its kernels for this CPU, as it does on Binder and
  on a learner's machine; ``--blas inherit`` keeps whatever the caller's environment sets.
  Some workplaces pin those two variables for every process (older OpenBLAS builds crash or
  compute wrong results on new CPUs; the current one does not); the pin also holds NumPy's
  products at AVX2 speed on an AVX-512 CPU, which is not what learners run. Tests and CI
  never drop them: only this benchmark command does, for its own interpreters.

A ratio is the median over rounds of (our time / the reference's time) in the same round: the
two steps run one after the other in each round, so a busy machine slows both alike. The best
times of each side are printed too.
"""

import gc
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
# Kernel pins that --blas native drops from the benchmark's own interpreters (see above).
KERNEL_PINS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def child_env(threads, blas, **extra):
    """The environment of a timing or memory interpreter: ``threads`` threads everywhere and,
    for ``blas == "native"``, no OpenBLAS kernel pin."""
    env = dict(os.environ, **{v: str(threads) for v in THREAD_VARS}, **extra)
    if blas == "native":
        for name in KERNEL_PINS:
            env.pop(name, None)
    return env


def blas_env_line(blas):
    """What the benchmark did with the caller's OpenBLAS kernel pins, for the header."""
    pins = [f"{n}={os.environ[n]}" for n in KERNEL_PINS if n in os.environ]
    if not pins:
        return "BLAS kernels: OpenBLAS's own choice for this CPU (no kernel pin set)"
    if blas == "native":
        return (f"BLAS kernels: OpenBLAS's own choice for this CPU; this environment's "
                f"{', '.join(pins)} dropped for the timing interpreters (--blas inherit keeps "
                "them)")
    return f"BLAS kernels: pinned by this environment ({', '.join(pins)}; --blas inherit)"


def best_time(step, *, repeats=7, warmup=2):
    """Run ``step()`` ``warmup`` times, then return the best of ``repeats`` wall times (s)."""
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return min(times)


#: Pause before each timed step when the libraries run more than one thread (s). OpenBLAS's
#: and OpenMP's worker threads keep spinning for a while after a call; without the pause
#: they competed with the other library's step that followed. Measured at 2 threads, LSTM:
#: torch's median step took 8.8 ms right after ours against 5.8 ms alone, which made the
#: median ratio 1.05 instead of 1.72-1.77; with a 50 ms pause the alternated medians equal the
#: ones measured alone.
SETTLE_S = 0.05


def rounds(steps, *, repeats=15, warmup=3, settle=0.0):
    """Wall times (s) of each step in each of ``repeats`` rounds, the steps run in turn.

    Returns one list of times per step. Timing them in turn lets a busy machine slow all of
    them alike, so per-round ratios are steadier than ratios of separate runs. ``settle``
    seconds of sleep before each timed step let the previous step's worker threads go idle.
    """
    for step in steps:
        for _ in range(warmup):
            step()
    times = [[] for _ in steps]
    for _ in range(repeats):
        for k, step in enumerate(steps):
            gc.collect()
            if settle:
                time.sleep(settle)
            start = time.perf_counter()
            step()
            times[k].append(time.perf_counter() - start)
    return times


def best_times_alternating(steps, *, repeats=15, warmup=3):
    """Best wall time of each step in ``steps``, timed in alternating rounds."""
    return [min(t) for t in rounds(steps, repeats=repeats, warmup=warmup)]


def peak_memory(step):
    """Peak bytes allocated by Python/NumPy during one ``step()`` (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def torch_or_none():
    """Return the torch module when installed (an optional reference), else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def report(name, ours, reference=None, unit="ms"):
    scale = 1000.0 if unit == "ms" else 1.0
    line = f"{name:<38} dlnotebooks {ours * scale:8.2f} {unit}"
    if reference is not None:
        line += f"   torch {reference * scale:8.2f} {unit}   ratio {ours / reference:5.2f}"
    print(line, flush=True)
    return ours / reference if reference else None


# ---------------------------------------------------------------- the machine


def cpu_model():
    """The CPU's model name (with family/model numbers when the name is generic)."""
    try:
        with open("/proc/cpuinfo") as f:
            info = {}
            for line in f:
                key, _, value = line.partition(":")
                info.setdefault(key.strip(), value.strip())
        name = info.get("model name", "")
        flags = info.get("flags", "").split()
        extra = [f"family {info.get('cpu family')} model {info.get('model')}"]
        extra += ["AVX-512"] if "avx512f" in flags else (["AVX2"] if "avx2" in flags else [])
        return f"{name} ({', '.join(extra)})"
    except OSError:
        return platform.processor() or platform.machine()


def blas_description():
    """NumPy's BLAS library and its current thread count, via threadpoolctl when installed."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS unknown (threadpoolctl not installed)"
    pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    return ", ".join(f"{p.get('internal_api')} {p.get('version')} {p.get('architecture', '')} "
                     f"{p.get('num_threads')} thread(s)" for p in pools) or "no BLAS found"


def openblas_kernel_note():
    """A warning when OpenBLAS picked AVX2 kernels on a CPU that has AVX-512.

    NumPy's OpenBLAS chooses its kernels from the CPU when it loads, unless
    ``OPENBLAS_CORETYPE`` names them. Pinned to Haswell (AVX2) on an AVX-512 CPU (AMD family
    26, Zen 5, with OpenBLAS 0.3.31, which by itself picks SkylakeX), the LSTM benchmark's
    matrix products measured 1.8x slower.
    """
    try:
        from threadpoolctl import threadpool_info
        with open("/proc/cpuinfo") as f:
            avx512 = any(line.startswith("flags") and " avx512f" in line for line in f)
    except (ImportError, OSError):
        return ""
    cores = {p.get("architecture") for p in threadpool_info()
             if p.get("internal_api") == "openblas"}
    slow = cores & {"Haswell", "Zen", "Sandybridge"}
    if avx512 and slow:
        return (f"note: this CPU has AVX-512 but OpenBLAS uses its {', '.join(sorted(slow))} "
                "(AVX2) kernels (OPENBLAS_CORETYPE pins them; --blas native lets OpenBLAS "
                "choose)")
    return ""


def load_average():
    try:
        return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())
    except OSError:
        return "load average unknown"


def machine_header(title):
    import numpy as np

    torch = torch_or_none()
    print(title)
    print(f"CPU: {cpu_model()}; {os.cpu_count()} logical cores; {load_average()}")
    print(f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed (no reference)'}", flush=True)


# ---------------------------------------------------------------- the driver


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _hwm_bytes():
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) * 1024 for line in f if line.startswith("VmHWM"))


def _peak_child(workloads, spec):
    """In a fresh process: peak RSS growth over the first step, and then the growth per step
    from step 5 to step 25 (zero once the allocator reuses its blocks; more means a leak)."""
    name, side = spec.rsplit(":", 1)
    workload = dict((w[0], w) for w in workloads)[name]
    factory = workload[1] if side == "ours" else workload[2]
    step = factory()
    before = _rss_bytes()
    step()
    first = _hwm_bytes() - before
    for _ in range(4):
        step()
    settled = _hwm_bytes()
    for _ in range(20):
        step()
    later = (_hwm_bytes() - settled) / 20
    print(f"{max(first, 0)} {max(later, 0.0)}")


def _peak(script, name, side, threads):
    env = child_env(threads, "inherit")  # this timing child's kernels, whichever they are
    try:
        out = subprocess.run([sys.executable, script, "--threads", str(threads), "--peak",
                              f"{name}:{side}"], capture_output=True, text=True, check=True,
                             timeout=900, env=env)
        first, later = out.stdout.split()[-2:]
        return int(first), float(later)
    except Exception:  # noqa: BLE001 - memory is best effort (Linux /proc only)
        return None


def _time_child(workloads, threads, repeats, script, memory):
    """Time every workload here, at ``threads`` threads; print one ``@`` line per workload."""
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(threads, user_api="blas")  # in case the caller set no variable
    except ImportError:
        pass
    torch = torch_or_none()
    if torch is not None:
        torch.set_num_threads(threads)
    print(f"--- {threads} thread(s): {blas_description()}; torch "
          f"{torch.get_num_threads() if torch else '-'} thread(s); {load_average()}", flush=True)
    note = openblas_kernel_note()
    if note:
        print(note, flush=True)
    for name, ours_factory, ref_factory, ref_label in workloads:
        ours = ours_factory()
        ref = ref_factory() if ref_factory is not None else None
        if ref is None:
            times = rounds([ours], repeats=repeats)
            print(f"{name:<40} dlnotebooks best {min(times[0]) * 1e3:8.2f} ms", flush=True)
            continue
        t_ours, t_ref = rounds([ours, ref], repeats=repeats,
                               settle=SETTLE_S if threads > 1 else 0.0)
        ratios = [a / b for a, b in zip(t_ours, t_ref)]
        median = statistics.median(ratios)
        print(f"{name:<40} dlnotebooks best {min(t_ours) * 1e3:8.2f} ms   {ref_label} best "
              f"{min(t_ref) * 1e3:8.2f} ms   ratio: median of rounds {median:5.2f}, "
              f"best/best {min(t_ours) / min(t_ref):5.2f}", flush=True)
        print(f"@ratio\t{threads}\t{name}\t{ref_label}\t{median:.3f}", flush=True)
        if memory and ref_label == "torch":
            mine, theirs = _peak(script, name, "ours", threads), _peak(script, name, "ref",
                                                                        threads)
            if mine is not None and theirs is not None:
                print(f"{'':<40} peak RSS growth, first step: dlnotebooks "
                      f"{mine[0] / 2**20:6.1f} MiB, torch {theirs[0] / 2**20:6.1f} MiB; "
                      f"per step after 5: {mine[1] / 2**20:5.2f} vs {theirs[1] / 2**20:5.2f} "
                      "MiB",
                      flush=True)


def run(title, workloads, script, argv=None):
    """The command line of every benchmark (see the module docstring).

    ``workloads``: list of (name, ours_factory, reference_factory or None, reference label);
    a factory takes no argument and returns a step function.
    """
    import argparse

    parser = argparse.ArgumentParser(description=title)
    parser.add_argument("--threads", type=int, nargs="*", default=None,
                        help="thread counts (default: 1 and 2, each in a fresh interpreter)")
    parser.add_argument("--repeats", type=int, default=15, help="alternating rounds")
    parser.add_argument("--no-memory", action="store_true", help="skip peak RSS")
    parser.add_argument("--blas", choices=("native", "inherit"), default="native",
                        help="native (default): the timing interpreters run without this "
                             "environment's OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE, so OpenBLAS "
                             "picks its kernels for the CPU as on a learner's machine; "
                             "inherit: keep them")
    parser.add_argument("--peak", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peak:
        _peak_child(workloads, args.peak)
        return
    if args.threads and len(args.threads) == 1 and os.environ.get("_DLNB_BENCH_CHILD"):
        _time_child(workloads, args.threads[0], args.repeats, script, not args.no_memory)
        return
    machine_header(title)
    print(blas_env_line(args.blas), flush=True)
    summary = {}
    for threads in args.threads or (1, 2):
        env = child_env(threads, args.blas, _DLNB_BENCH_CHILD="1")
        cmd = [sys.executable, script, "--threads", str(threads), "--repeats",
               str(args.repeats)] + (["--no-memory"] if args.no_memory else [])
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
        for line in proc.stdout:
            if line.startswith("@ratio"):
                _, n, name, label, value = line.rstrip("\n").split("\t")
                summary.setdefault((name, label), {})[int(n)] = float(value)
            else:
                print(line, end="", flush=True)
        proc.wait()
    if summary:
        counts = sorted({n for v in summary.values() for n in v})
        print("\nsummary: dlnotebooks / reference, median of per-round ratios; "
              + load_average())
        print(f"{'workload':<40} {'vs':<12}" + "".join(f"{str(n) + ' thr':>9}" for n in counts))
        for (name, label), values in summary.items():
            print(f"{name:<40} {label:<12}" + "".join(
                f"{values[n]:9.2f}" if n in values else f"{'-':>9}" for n in counts))
