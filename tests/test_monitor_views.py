"""The monitor's widget view and renderers, headless (widget state only, no browser)."""

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks.monitor._render import GradientRenderer, MetricsRenderer, images_png, montage
from dlnotebooks.monitor._views import WidgetView

PNG = b"\x89PNG\r\n\x1a\n"


class FakePump:
    def __init__(self):
        self.calls = 0

    def pump(self):
        self.calls += 1
        return 0


@pytest.fixture
def widget_monitor():
    monitor = dl.TrainingProgressMonitor(metrics=("TrainLoss", "ValLoss"),
                                         info=("Epoch", "LearnRate"))
    view = WidgetView(monitor)
    monitor._view = view
    yield monitor, view
    view.close()


def _force(view):
    view.throttle.last = None


def test_widget_view_updates_images_and_text(widget_monitor):
    monitor, view = widget_monitor
    monitor.record_metrics(1, TrainLoss=1.0)
    first = bytes(view.metrics_image.value)
    assert first.startswith(PNG)
    for i in range(2, 50):
        monitor.record_metrics(i, TrainLoss=1.0 / i, ValLoss=1.2 / i)
    monitor.update_info(Epoch=3, LearnRate=0.01)
    monitor.progress = 42
    monitor.status = "Training"
    _force(view)
    monitor.record_metrics(50, TrainLoss=0.02)
    assert bytes(view.metrics_image.value) != first
    assert view.bar.value == 42 and "42%" in view.bar_text.value
    assert "Epoch" in view.info.value and "0.01" in view.info.value
    assert view.status.value.startswith("Training")
    assert view.gradients_image.layout.display == "none"


def test_plots_keep_changing_after_an_empty_first_frame(widget_monitor):
    monitor, view = widget_monitor
    monitor.yscale("TrainLoss", "log")
    monitor.status = "Training"  # the first frame has no data yet
    seen = {bytes(view.metrics_image.value)}
    for i in range(1, 301):
        monitor.record_metrics(i, TrainLoss=1.0 / i)
        if i % 100 == 0:
            _force(view)
            monitor.progress = i / 3
            seen.add(bytes(view.metrics_image.value))
    assert len(seen) == 4


def test_widget_view_throttles_redraws(widget_monitor):
    monitor, view = widget_monitor
    for i in range(1, 300):
        monitor.record_metrics(i, TrainLoss=1.0 / i)
    # One redraw at the first record; the rest wait for the throttle's interval.
    assert view.frames <= 2
    view.flush()
    assert view.frames <= 3 and not view.dirty


def test_gradient_and_image_panels_appear_when_used(widget_monitor):
    monitor, view = widget_monitor
    rng = np.random.default_rng(0)
    for step in range(1, 5):
        _force(view)
        monitor.record_gradients(step, {"fc1": {"Weights": rng.normal(size=(4, 3)),
                                                "Bias": np.full((4, 1), 1e-9)}})
    assert bytes(view.gradients_image.value).startswith(PNG)
    assert view.gradients_image.layout.display is None
    assert "vanishing gradient: fc1.Bias" in view.status.value
    _force(view)
    monitor.show_images(rng.random((8, 8, 1, 6)), title="Samples <1>")
    assert bytes(view.images_image.value).startswith(PNG)
    assert view.images_title.value == "<b>Samples &lt;1&gt;</b>"
    assert view.images_box.layout.display is None


def test_stop_button_sets_stop(widget_monitor):
    monitor, view = widget_monitor
    assert monitor.stop is False
    view.button.click()
    assert monitor.stop is True
    assert view.button.disabled and view.button.description == "Stopped"
    assert "stop requested" in view.status.value


def test_late_clicks_do_not_stop_the_next_run(widget_monitor):
    monitor, view = widget_monitor
    view.pump = FakePump()
    view.pump_interval = 0.0
    assert monitor.stop is False  # a loop reads stop: the button is live, the pump runs
    assert view.pump.calls == 1 and not view.button.disabled
    view.cell_finished()  # that loop's cell ended
    assert view.button.disabled
    view.button.click()  # a click that arrives after the run: ignored
    assert monitor._stop is False
    assert monitor.stop is False  # the next loop re-enables the button
    assert not view.button.disabled
    view.button.click()
    assert monitor.stop is True


def test_without_a_pump_the_button_is_a_plain_flag(widget_monitor):
    monitor, view = widget_monitor
    assert view.pump is None  # outside a kernel
    assert monitor.stop is False
    view.cell_finished()
    assert not view.button.disabled
    view.button.click()
    assert monitor.stop is True


def test_front_end_detection(widget_monitor):
    monitor, view = widget_monitor
    assert view.front_end == "unknown"
    view.shown_at = -1e9
    assert view.front_end == "none"
    view.root._view_count = 1
    assert view.front_end == "widget"
    view.root._view_count = 0  # once a widget view was seen, it stays a widget front end
    assert view.front_end == "widget"


def test_html_snapshot_embeds_the_plots(widget_monitor):
    monitor, view = widget_monitor
    monitor.record_metrics(1, TrainLoss=0.5)
    monitor.update_info(Epoch=1)
    snapshot = view.html()
    assert "data:image/png;base64," in snapshot and "Epoch" in snapshot
    bundle = view.bundle(view.root)
    assert set(bundle) == {"text/html", "text/plain",
                           "application/vnd.jupyter.widget-view+json"}
    assert bundle["text/plain"].startswith("Iteration 1 | TrainLoss 0.5 | Epoch 1 | 0%")


def test_redraw_budget_reaches_the_throttle(widget_monitor):
    monitor, view = widget_monitor
    assert view.throttle.budget == 0.03
    monitor.redraw_budget = 0.25
    assert view.throttle.budget == 0.25


def test_close_closes_every_widget(widget_monitor):
    monitor, view = widget_monitor
    view.close()
    assert view.root.comm is None and view.button.comm is None


# ------------------------------------------------------------------------------ renderers
def _no_pyplot_figures():
    from matplotlib import _pylab_helpers

    return _pylab_helpers.Gcf.get_num_fig_managers() == 0


def test_metrics_renderer_handles_awkward_data():
    monitor = dl.TrainingProgressMonitor(metrics=("A", "B", "C", "D"))
    monitor.yscale("A", "log")
    monitor.yscale("B", "log")
    renderer = MetricsRenderer()
    assert renderer.render(monitor).startswith(PNG)  # no data at all
    history = monitor._histories
    for i in range(1, 5000):
        history["A"].append(i, -1.0, 0.0)  # log scale without positive values
        history["B"].append(i, float("nan") if i % 7 else 1.0 / i, 0.0)
        history["C"].append(i, float("inf") if i == 3 else i, 0.0)
    assert renderer.render(monitor).startswith(PNG)
    monitor.group_subplot("AB", ("A", "B"))
    assert renderer.render(monitor).startswith(PNG)
    assert _no_pyplot_figures()


def test_gradient_renderer_and_images():
    monitor = dl.TrainingProgressMonitor()
    monitor.record_gradients(1, {"W": np.zeros((3, 3)), "b": np.array([np.nan, 1.0])})
    monitor.record_gradients(2, {"W": np.ones((3, 3)), "b": np.ones(2)})
    assert GradientRenderer().render(monitor).startswith(PNG)
    grid = montage(np.linspace(-1, 3, 4 * 5 * 3 * 5).reshape(4, 5, 3, 5))
    assert grid.shape == (9, 17, 3) and grid.min() >= 0 and grid.max() <= 1
    assert images_png(np.random.default_rng(0).random((6, 6, 1, 70))).startswith(PNG)
    assert _no_pyplot_figures()
