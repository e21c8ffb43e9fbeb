"""Timing helpers shared by the benchmarks: best-of-N wall time and peak memory."""

import gc
import time
import tracemalloc


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


def best_times_alternating(steps, *, repeats=15, warmup=3):
    """Best wall time of each step in ``steps``, timing them in turn so that a busy machine
    slows all of them alike (a fairer ratio than timing one after the other)."""
    for step in steps:
        for _ in range(warmup):
            step()
    best = [float("inf")] * len(steps)
    for _ in range(repeats):
        for k, step in enumerate(steps):
            gc.collect()
            start = time.perf_counter()
            step()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


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
