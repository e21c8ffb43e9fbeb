"""Measure what the monitor costs a fast training loop, inside a Jupyter kernel (nbclient).

Not a test (tests do not assert wall-clock times): run it by hand,
``python tests/browser/measure_overhead.py [mlp_iterations [repeats]]`` (default 3000 2). It alternates loops with and without the
monitor (record_metrics + update_info + progress + reading stop every iteration, gradients
every 50) over a small MLP trained with dlfeval/dlgradient/adamupdate, and prints the
best-of-two per-iteration times and the relative overhead.
"""

import json

import nbformat
from nbclient import NotebookClient

SETUP = """
import time, json
import numpy as np
import dlnotebooks as dl

rng = np.random.default_rng(0)
X = dl.dlarray(rng.normal(size=(2, 64)).astype(np.float32), "CB")
T = (rng.random((1, 64)) > 0.5).astype(np.float32)
def init():
    return {"fc1": {"Weights": dl.dlarray(rng.normal(size=(16, 2)).astype(np.float32) * 0.5),
                    "Bias": dl.dlarray(np.zeros((16, 1), np.float32))},
            "fc2": {"Weights": dl.dlarray(rng.normal(size=(1, 16)).astype(np.float32) * 0.5),
                    "Bias": dl.dlarray(np.zeros((1, 1), np.float32))}}
def model_loss(p, X, T):
    H = dl.relu(dl.fullyconnect(X, p["fc1"]["Weights"], p["fc1"]["Bias"]))
    Y = dl.sigmoid(dl.fullyconnect(H, p["fc2"]["Weights"], p["fc2"]["Bias"]))
    loss = dl.mse(Y, T) if hasattr(dl, "mse") else ((Y - T) ** 2).mean()
    return loss, dl.dlgradient(loss, p)

def run(iterations, monitor=None, numpy_only=False):
    p = init(); avg = sq = None
    it = 0
    start = time.perf_counter()
    while it < iterations and not (monitor is not None and monitor.stop):
        it += 1
        if numpy_only:
            a = np.tanh(rng.normal(size=(16, 16)) @ rng.normal(size=(16, 8)))
            loss = float(a.mean()); grads = {"W": a}
        else:
            loss, grads = dl.dlfeval(model_loss, p, X, T)
            p, avg, sq = dl.adamupdate(p, grads, avg, sq, it)
        if monitor is not None:
            monitor.record_metrics(it, Loss=loss)
            monitor.update_info(Epoch=it // 100)
            monitor.progress = 100 * it / iterations
            if it % 50 == 0:
                monitor.record_gradients(it, grads)
    return (time.perf_counter() - start) / iterations
"""

MEASURE = """
# Warm-up: the first figure of a session imports matplotlib and loads fonts (about 1 s, once).
warm = dl.TrainingProgressMonitor(); warm.record_metrics(1, Loss=1.0); warm._view.flush()
results = {"mlp": {"plain": [], "monitor": []}, "numpy": {"plain": [], "monitor": []}}
for kind, n in (("mlp", MLP_ITERATIONS), ("numpy", 20 * MLP_ITERATIONS)):
    for repeat in range(REPEATS):
        results[kind]["plain"].append(run(n, numpy_only=kind == "numpy"))
        m = dl.TrainingProgressMonitor(metrics=("Loss",), info=("Epoch",))
        results[kind]["monitor"].append(run(n, m, numpy_only=kind == "numpy"))
        results[kind].setdefault("frames", []).append(m._view.frames)
        results[kind].setdefault("render_s", []).append(m._view.throttle.total_cost)
        results[kind].setdefault("elapsed_s", []).append(m.elapsed_time)
        results[kind].setdefault("view", type(m._view).__name__)
# Bookkeeping alone: a monitor whose view never redraws (no figures), same calls.
m = dl.TrainingProgressMonitor(metrics=("Loss",), info=("Epoch",))
m.record_metrics(0, Loss=1.0)
m._view.throttle.due = lambda: False
start = time.perf_counter()
for it in range(1, 20001):
    m.record_metrics(it, Loss=0.5)
    m.update_info(Epoch=it // 100)
    m.progress = 100 * it / 20000
    m.stop
results["bookkeeping_us"] = (time.perf_counter() - start) / 20000 * 1e6
print("RESULTS", json.dumps(results))
"""


def main(mlp_iterations=3000, repeats=2):
    nb = nbformat.v4.new_notebook()
    knobs = f"MLP_ITERATIONS, REPEATS = {int(mlp_iterations)}, {int(repeats)}\n"
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(knobs + MEASURE)]
    NotebookClient(nb, timeout=600, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[1].outputs if o.output_type == "stream")
    results = json.loads(text.split("RESULTS", 1)[1])
    bookkeeping = results.pop("bookkeeping_us")
    print(f"bookkeeping (record_metrics + update_info + progress + stop, no redraw): "
          f"{bookkeeping:.1f} us per iteration")
    for kind, r in results.items():
        shares = [c / e for c, e in zip(r["render_s"], r["elapsed_s"])]
        print(f"{kind}: redraw time / loop time = {[round(100 * x, 1) for x in shares]} %")
        plain = min(r["plain"])
        with_monitor = min(r["monitor"])
        print(f"{kind}: {plain * 1e3:.3f} ms/iteration without monitor, "
              f"{with_monitor * 1e3:.3f} ms with ({r['view']}, frames {r['frames']}): "
              f"overhead {100 * (with_monitor / plain - 1):+.1f}%  "
              f"[all plain {[round(x * 1e3, 3) for x in r['plain']]}, "
              f"monitor {[round(x * 1e3, 3) for x in r['monitor']]}]")


if __name__ == "__main__":
    import sys

    main(*[int(a) for a in sys.argv[1:3]])
