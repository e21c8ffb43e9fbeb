"""The monitor under nbclient (a kernel without any front end): in-place display fallback,
no errors, no warnings, no stderr, no leaked pyplot figures."""

import copy

import nbformat
import pytest
from nbclient import NotebookClient

WIDGET = "application/vnd.jupyter.widget-view+json"

CELLS = [
    """import warnings
import numpy as np
import dlnotebooks as dl
caught = warnings.catch_warnings(record=True)
recorded = caught.__enter__()
warnings.simplefilter("always")""",
    """monitor = dl.TrainingProgressMonitor(metrics=("Loss",), info=("Epoch",))
iteration = 0
while iteration < 300 and not monitor.stop:
    iteration += 1
    monitor.record_metrics(iteration, Loss=1.0 / iteration)
    monitor.update_info(Epoch=iteration // 100)
    if iteration % 50 == 0:
        monitor.record_gradients(iteration, {"W": np.ones((3, 3)) / iteration})
    monitor.progress = 100 * iteration / 300
monitor.show_images(np.random.default_rng(0).random((8, 8, 1, 4)), title="Samples")""",
    """second = dl.TrainingProgressMonitor(metrics=("Loss",))
second.show("display")
for step in range(1, 101):
    second.record_metrics(step, Loss=float(step))""",
    """import time
frozen = monitor.elapsed_time
time.sleep(1.2)  # later cells: a ticking clock would move, and redraw the display""",
    """print("FROZEN", monitor.elapsed_time == frozen, monitor.elapsed_time < 60)""",
    """caught.__exit__(None, None, None)
from matplotlib import _pylab_helpers
print("WARNINGS", [str(w.message) for w in recorded])
print("FIGURES", _pylab_helpers.Gcf.get_num_fig_managers())""",
]


@pytest.fixture(scope="module")
def executed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    snapshots = {}

    def on_cell_executed(cell, cell_index, **kwargs):
        snapshots[cell_index] = copy.deepcopy(nb.cells[1].outputs)

    NotebookClient(nb, timeout=120, kernel_name="python3",
                   on_cell_executed=on_cell_executed).execute()
    nb.metadata["snapshots"] = snapshots
    return nb


def test_widget_monitor_falls_back_to_an_updated_display(executed):
    outputs = executed.cells[1].outputs
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    data = outputs[0].data
    assert WIDGET in data  # a widget front end opening the notebook would show the widget
    html = data["text/html"]
    # The display was updated in place at the end of the cell: final state, all panels.
    assert html.count("data:image/png;base64,") == 3
    assert "Samples" in html and "Epoch" in html and "100%" in html
    assert data["text/plain"].startswith("Iteration 300 | Loss 0.003333 | Epoch 3 | 100%")


def test_the_display_is_final_when_its_cell_ends(executed):
    """Nothing redraws the loop's display in later cells, and its clock stands still."""
    snapshots = executed.metadata["snapshots"]
    assert snapshots[1] == executed.cells[1].outputs
    assert all(snapshot == snapshots[1] for index, snapshot in snapshots.items() if index > 1)
    text = "".join(o.text for o in executed.cells[4].outputs if o.output_type == "stream")
    assert "FROZEN True True" in text, text


def test_display_mode_updates_in_place(executed):
    outputs = executed.cells[2].outputs
    assert [o.output_type for o in outputs] == ["display_data"], outputs
    assert WIDGET not in outputs[0].data
    assert outputs[0].data["text/plain"].startswith("Iteration 100 | Loss 100 |")


def test_no_errors_warnings_stderr_or_figures(executed):
    for cell in executed.cells:
        for output in cell.outputs:
            assert output.output_type != "error", output
            assert not (output.output_type == "stream" and output.name == "stderr"), output
    text = "".join(o.text for o in executed.cells[-1].outputs if o.output_type == "stream")
    assert "WARNINGS []" in text and "FIGURES 0" in text
