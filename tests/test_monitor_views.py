"""What the monitor's views show, observed from outside: the widget tree a front end renders
(``monitor.widget``), the display bundles, the text lines. Time comes from a fake clock
passed to the monitor, so no test depends on how fast this machine is."""

import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks.monitor.figures import png_size

PNG = b"\x89PNG\r\n\x1a\n"


class FakeClock:
    """Seconds that pass only when the test says so."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def _visible(widget):
    """Every widget a front end would render (a hidden box hides its children)."""
    if getattr(widget.layout, "display", None) == "none":
        return []
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _visible(child)
    return found


class Shown:
    """What the widget view shows now: texts, images, buttons, progress bar."""

    def __init__(self, monitor):
        import ipywidgets as W

        widgets = _visible(monitor.widget)
        self.texts = [w.value for w in widgets if isinstance(w, W.HTML)]
        self.text = " ".join(re.sub(r"<[^>]+>", " ", t) for t in self.texts)
        self.images = [(bytes(w.value), w.layout.width) for w in widgets
                       if isinstance(w, W.Image) and bytes(w.value)]
        self.buttons = [w for w in widgets if isinstance(w, W.Button)]
        self.bars = [w.value for w in widgets if isinstance(w, W.FloatProgress)]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def shown_monitor(clock, capsys):
    """A widget-view monitor outside a kernel (display bundles go to stdout: captured)."""
    monitor = dl.TrainingProgressMonitor(metrics=("TrainLoss", "ValLoss"),
                                         info=("Epoch", "LearnRate"), clock=clock)
    monitor.show("widget")
    yield monitor
    monitor.widget.close()


def _count_changes(image_widget):
    changes = []
    image_widget.observe(lambda change: changes.append(1), names="value")
    return changes


def _metrics_image(monitor):
    import ipywidgets as W

    return [w for w in _visible(monitor.widget) if isinstance(w, W.Image)][0]


# ----------------------------------------------------------------------------- the widget
def test_widget_shows_progress_info_status_and_metrics(shown_monitor, clock):
    monitor = shown_monitor
    first = Shown(monitor).images[0][0]
    assert first.startswith(PNG)
    for i in range(1, 50):
        monitor.record_metrics(i, TrainLoss=1.0 / i, ValLoss=1.2 / i)
    monitor.update_info(Epoch=3, LearnRate=0.01)
    monitor.status = "Training"
    clock.advance(1.0)
    monitor.progress = 42  # the end of an iteration: a frame is due
    shown = Shown(monitor)
    assert shown.images[0][0] != first and len(shown.images) == 1  # no gradient panel yet
    assert shown.bars == [42] and "42%" in shown.text
    assert "Epoch" in shown.text and "0.01" in shown.text and "Training" in shown.text
    assert [b.description for b in shown.buttons] == ["Stop"]


def test_each_frame_shows_the_iteration_it_belongs_to(shown_monitor, clock):
    """A frame is drawn where an iteration is complete: its info values, not the previous."""
    monitor = shown_monitor
    checked = set()
    for i in range(1, 40):
        clock.advance(0.1)
        monitor.record_metrics(i, TrainLoss=1.0 / i)
        monitor.update_info(Epoch=i)
        monitor.progress = i
        shown = Shown(monitor)
        epoch = re.search(r"Epoch\s+(\d+)", shown.text)
        if epoch:
            assert int(epoch.group(1)) == shown.bars[0]  # never one iteration behind
            checked.add(shown.bars[0])
    assert len(checked) >= 10


def test_redraws_are_paced_by_the_clock(shown_monitor, clock):
    monitor = shown_monitor
    changes = _count_changes(_metrics_image(monitor))
    for i in range(1, 301):  # the clock stands still: no frame is due after the first
        monitor.record_metrics(i, TrainLoss=1.0 / i)
        assert not monitor.stop
    assert len(changes) == 0
    for i in range(301, 401):  # 1/64 s per iteration: a frame every 0.25 s at most
        clock.advance(1 / 64)
        monitor.record_metrics(i, TrainLoss=1.0 / i)
        assert not monitor.stop
    assert len(changes) == 6  # at 0.25, 0.5, ..., 1.5 s
    monitor.redraw_budget = 0.5
    assert monitor.redraw_budget == 0.5


def test_gradient_panel_shows_every_layer_and_notes(shown_monitor, clock):
    monitor = shown_monitor
    rng = np.random.default_rng(0)
    grads = {"fc1": {"Weights": rng.normal(size=(4, 3)), "Bias": np.full((4, 1), 1e-12)},
             "fc2": {"Weights": rng.normal(size=(2, 4)), "Bias": rng.normal(size=(2, 1))}}
    for step in range(1, 5):
        clock.advance(1.0)
        monitor.record_gradients(step, grads)
        monitor.progress = step
    shown = Shown(monitor)
    assert len(shown.images) == 2 and shown.images[1][0].startswith(PNG)
    # fc1.Bias is zero while fc1.Weights learns: a grey note, not a red alert.
    assert "fc1.Bias: gradient zero by construction" in shown.text
    assert "vanishing" not in shown.text and monitor.alerts == []


def test_gradient_panel_names_what_it_leaves_out(shown_monitor, clock):
    monitor = shown_monitor
    monitor.record_gradients(1, {f"layer{k}": {"Weights": np.full((2, 2), 1.0 + k)}
                                 for k in range(40)})
    clock.advance(1.0)
    monitor.progress = 1
    shown = Shown(monitor)
    assert len(shown.images) == 2
    assert ("Gradient panel, not shown: 8 more layers without a line (layer32, layer33, "
            "layer34, ...); 16 more parameters without a distribution row (layer24.Weights, "
            "layer25.Weights, layer26.Weights, ...). All are in monitor.gradient_history."
            in shown.text)


def test_gradient_panel_with_few_layers_has_no_omission_note(shown_monitor, clock):
    monitor = shown_monitor
    monitor.record_gradients(1, {f"conv{k}": {"Weights": np.ones((3, 3)), "Bias": np.ones(3)}
                                 for k in range(9)})  # notebook 04: 9 layers, 18 parameters
    clock.advance(1.0)
    monitor.progress = 1
    assert "not shown" not in Shown(monitor).text


def test_a_real_vanishing_gradient_is_a_red_alert(shown_monitor, clock):
    monitor = shown_monitor
    clock.advance(1.0)
    monitor.record_gradients(1, {"fc1": {"Weights": np.full((4, 3), 1e-9),
                                         "Bias": np.full((4, 1), 1e-12)}})
    monitor.status = "Training"
    text = Shown(monitor).text
    assert "vanishing gradient: fc1.Weights" in text
    assert "vanishing gradient: fc1.Bias" in text  # its weights do not learn either


def test_image_grid_has_a_sensible_size(shown_monitor, clock):
    monitor = shown_monitor
    rng = np.random.default_rng(0)
    monitor.show_images(rng.random((16, 16, 1, 25)), title="Samples <1>")  # 08's GAN grid
    clock.advance(1.0)
    monitor.progress = 10
    shown = Shown(monitor)
    grid, width = shown.images[-1]
    size = png_size(grid)
    assert 250 <= size[0] <= 400 and 250 <= size[1] <= 400, size
    assert width == f"{size[0]}px"  # shown at its own size, not stretched to the page
    assert "<b>Samples &lt;1&gt;</b>" in shown.texts
    assert all(w == f"{png_size(png)[0]}px" for png, w in shown.images)


def test_stop_button_sets_stop(shown_monitor):
    monitor = shown_monitor
    assert monitor.stop is False
    [button] = Shown(monitor).buttons
    button.click()
    assert monitor.stop is True
    shown = Shown(monitor)
    assert [(b.description, b.disabled) for b in shown.buttons] == [("Stopped", True)]
    assert "stop requested" in shown.text


def test_stop_stops_the_clock(shown_monitor, clock):
    monitor = shown_monitor
    clock.advance(5.0)
    monitor.record_metrics(1, TrainLoss=1.0)
    assert not monitor.stop
    Shown(monitor).buttons[0].click()
    stopped_at = monitor.elapsed_time
    clock.advance(100.0)
    assert monitor.elapsed_time == stopped_at


def test_progress_100_stops_the_clock_and_new_records_resume_it(clock):
    monitor = dl.TrainingProgressMonitor(clock=clock)
    clock.advance(3.0)
    monitor.progress = 100
    clock.advance(50.0)
    assert monitor.elapsed_time == pytest.approx(3.0)
    monitor.record_metrics(1, Loss=1.0)  # the loop goes on (e.g. in a later cell)
    clock.advance(2.0)
    assert monitor.elapsed_time == pytest.approx(5.0)


# ------------------------------------------------------------------------- cells in IPython
CELLS = [
    """
    import time, dlnotebooks as dl
    ticks = [0.0]
    monitor = dl.TrainingProgressMonitor(info=("Epoch",), clock=lambda: ticks[0])
    monitor.show("widget")
    """,
    """
    i = 0
    while i < 100 and not monitor.stop:
        i += 1
        ticks[0] += 0.1
        monitor.record_metrics(i, Loss=1.0 / i)
        monitor.update_info(Epoch=i // 10)
        monitor.progress = i
    monitor.status = "Done"
    """,
    """
    ticks[0] += 100.0  # later cells: the clock does not move, nothing is redrawn
    import ipywidgets as W
    def visible(w):
        if w.layout.display == "none":
            return []
        return [w] + [x for c in getattr(w, "children", ()) for x in visible(c)]
    shown = visible(monitor.widget)
    images = [bytes(w.value) for w in shown if isinstance(w, W.Image)]
    print("RESULT", round(monitor.elapsed_time, 6),
          [b.description for b in shown if isinstance(b, W.Button)])
    """,
    """
    ticks[0] += 100.0
    print("AGAIN", round(monitor.elapsed_time, 6),
          images == [bytes(w.value) for w in visible(monitor.widget) if isinstance(w, W.Image)])
    """,
    """
    print("DISPLAY MODE")  # no widgets: one display, updated in place (IPython prints each)
    second = dl.TrainingProgressMonitor(info=("Epoch",), clock=lambda: ticks[0])
    second.show("display")
    for i in range(1, 101):
        ticks[0] += 1 / 32
        second.record_metrics(i, Loss=1.0 / i)
        second.update_info(Epoch=i)
        second.progress = i
    """,
]


@pytest.fixture(scope="module")
def ipython_run():
    """Run CELLS one by one in an IPython shell (post_run_cell fires after each), in a fresh
    process; return its stdout."""
    code = textwrap.dedent("""
        import sys, textwrap
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        for cell in CELLS:
            result = shell.run_cell(textwrap.dedent(cell))
            if not result.success:
                sys.exit(1)
        """).replace("CELLS", repr(CELLS))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out.stdout


def test_done_stops_the_clock_and_the_redraws(ipython_run):
    lines = {line.split(" ", 1)[0]: line for line in ipython_run.splitlines()
             if line.startswith(("RESULT", "AGAIN"))}
    # 100 iterations of 0.1 s: the clock stopped at 100 %, and cells after "Done" add nothing.
    assert lines["RESULT"] == "RESULT 10.0 []", lines  # and the Stop button is gone
    assert lines["AGAIN"] == "AGAIN 10.0 True", lines


def test_display_mode_updates_one_display(ipython_run):
    shown = ipython_run.split("DISPLAY MODE", 1)[1].strip().splitlines()
    # The first frame, one a second at most over 3.1 s, and the final frame at 100 %.
    assert len(shown) == 5, shown
    assert shown[0].startswith("Iteration - | 0% | 0:00:00")
    assert shown[-1] == "Iteration 100 | Loss 0.01 | Epoch 100 | 100% | 0:00:03"


# -------------------------------------------------------------------------------- helpers
def test_png_size_and_its_error():
    from dlnotebooks.monitor.figures import figure_png, new_figure

    fig = new_figure(3, 2)
    assert png_size(figure_png(fig)) == (240, 160)
    with pytest.raises(ValueError, match=r"png_size: png must be the bytes of a PNG file; "
                                         r"got 'abc'\."):
        png_size("abc")


def test_renderers_use_no_pyplot(clock):
    import matplotlib.pyplot as plt

    monitor = dl.TrainingProgressMonitor(metrics=("A", "B"), clock=clock)
    monitor.show("widget")
    monitor.yscale("A", "log")
    for i in range(1, 500):
        monitor.record_metrics(i, A=-1.0, B=float("nan") if i % 7 else 1.0 / i)
        monitor.record_gradients(i, {"W": np.zeros((3, 3)), "b": np.array([np.nan, 1.0])})
        clock.advance(1 / 256)  # about ten frames, all with awkward data
        monitor.progress = i / 5
    monitor.group_subplot("AB", ("A", "B"))
    monitor.show_images(np.random.default_rng(0).random((6, 6, 1, 70)))
    clock.advance(1.0)
    monitor.progress = 100
    assert all(png.startswith(PNG) for png, _ in Shown(monitor).images)
    assert plt.get_fignums() == []
    monitor.widget.close()
