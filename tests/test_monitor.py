"""TrainingProgressMonitor's model, validation, text view and throttling: no Jupyter needed."""

import math
import subprocess
import sys

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks.monitor import _kernel
from dlnotebooks.monitor._views import Throttle


class Captured:
    """What the text view printed on stderr so far (outside Jupyter it prints there)."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.text = ""

    def getvalue(self):
        self.text += self.capsys.readouterr().err
        return self.text


@pytest.fixture
def quiet(capsys):
    return Captured(capsys)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


# ----------------------------------------------------------------------------- construction
def test_defaults_mirror_matlab():
    monitor = dl.TrainingProgressMonitor()
    assert monitor.metrics == ("Loss",)
    assert monitor.info == ()
    assert monitor.x_label == "Iteration"
    assert monitor.progress == 0
    assert monitor.status == ""
    assert monitor.stop is False
    steps, values = monitor.metric_data["Loss"]
    assert steps.shape == values.shape == (0,)


def test_single_string_names_are_accepted():
    monitor = dl.TrainingProgressMonitor(metrics="Loss", info="Epoch", x_label="Epoch")
    assert monitor.metrics == ("Loss",) and monitor.info == ("Epoch",)


@pytest.mark.parametrize("kwargs, cls, match", [
    ({"metrics": 3}, TypeError,
     r"TrainingProgressMonitor: metrics must be a string or a sequence of strings; got 3\."),
    ({"metrics": ("Loss", "Loss")}, ValueError,
     r"TrainingProgressMonitor: metrics must not repeat a name; got \['Loss', 'Loss'\]\."),
    ({"metrics": ("Loss", " ")}, ValueError,
     r"TrainingProgressMonitor: metrics must not contain empty names"),
    ({"info": ("Loss",)}, ValueError,
     r"TrainingProgressMonitor: info must not repeat a metric name; got \['Loss'\]\."),
    ({"info": [1]}, TypeError, r"TrainingProgressMonitor: info must be a string or a"),
    ({"x_label": 1}, TypeError, r"TrainingProgressMonitor: x_label must be a string; got 1\."),
])
def test_construction_errors(kwargs, cls, match):
    with pytest.raises(cls, match=match):
        dl.TrainingProgressMonitor(**kwargs)


# --------------------------------------------------------------------------------- metrics
def test_record_metrics_fills_metric_data(quiet):
    monitor = dl.TrainingProgressMonitor(metrics=("TrainLoss", "Accuracy"))
    monitor.record_metrics(1, TrainLoss=0.9)
    monitor.record_metrics(2, {"TrainLoss": np.float32(0.5)}, Accuracy=np.array(0.25))
    monitor.record_metrics(3, TrainLoss=dl.dlarray(np.array([[0.25]])))
    steps, values = monitor.metric_data["TrainLoss"]
    np.testing.assert_array_equal(steps, [1, 2, 3])
    np.testing.assert_allclose(values, [0.9, 0.5, 0.25])
    assert steps.dtype == values.dtype == np.float64
    steps, values = monitor.metric_data["Accuracy"]
    np.testing.assert_array_equal(steps, [2])
    times = monitor.metric_times["TrainLoss"]
    assert times.shape == (3,) and np.all(np.diff(times) >= 0) and times[0] >= 0


def test_record_metrics_accepts_float_steps(quiet):
    monitor = dl.TrainingProgressMonitor(x_label="Epoch")
    monitor.record_metrics(0.5, Loss=1)
    assert monitor.metric_data["Loss"][0][0] == 0.5


@pytest.mark.parametrize("args, kwargs, cls, match", [
    ((1,), {"Acc": 1.0}, ValueError,
     r"record_metrics: metric name must be one of 'Loss'; got 'Acc'\. Declare it when "
     r"creating the monitor: TrainingProgressMonitor\(metrics=\('Loss', 'Acc'\)\)\."),
    ((1,), {"Loss": np.ones(3)}, ValueError,
     r"record_metrics: value of 'Loss' must be a scalar; got array of shape \(3,\) "
     r"\(float64\)\. Reduce it first"),
    ((1,), {"Loss": "low"}, TypeError, r"record_metrics: value of 'Loss' must be a real number"),
    ((1,), {"Loss": True}, TypeError, r"record_metrics: value of 'Loss' must be a real number"),
    ((float("nan"),), {"Loss": 1.0}, ValueError, r"record_metrics: step must be finite; got nan"),
    (("one",), {"Loss": 1.0}, TypeError, r"record_metrics: step must be a real number"),
    ((1,), {}, ValueError, r"record_metrics: values must name at least one metric; got none\."),
    ((1, [1.0]), {}, TypeError, r"record_metrics: values must be a dict of name: value"),
])
def test_record_metrics_errors(args, kwargs, cls, match, quiet):
    monitor = dl.TrainingProgressMonitor()
    with pytest.raises(cls, match=match):
        monitor.record_metrics(*args, **kwargs)
    assert monitor.metric_data["Loss"][0].size == 0


def test_non_finite_metric_is_recorded_and_flagged(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.record_metrics(1, Loss=1.0)
    monitor.record_metrics(2, Loss=float("nan"))
    assert np.isnan(monitor.metric_data["Loss"][1][1])
    (alert,) = monitor.alerts
    assert alert.kind == "non-finite" and alert.step == 2
    assert alert.message == "non-finite Loss (nan) at iteration 2"


# ------------------------------------------------------------------------------------ info
def test_update_info_keeps_values_in_order(quiet):
    monitor = dl.TrainingProgressMonitor(info=("Epoch", "LearnRate"))
    monitor.update_info(Epoch=1, LearnRate=0.1)
    monitor.update_info({"Epoch": 2}, LearnRate=np.array(0.05))
    assert monitor.info_data == {"Epoch": [1, 2], "LearnRate": [0.1, 0.05]}


def test_update_info_rejects_unknown_names(quiet):
    monitor = dl.TrainingProgressMonitor(info=("Epoch",))
    with pytest.raises(ValueError, match=r"update_info: info name must be one of 'Epoch'; "
                                         r"got 'LR'\. Declare it"):
        monitor.update_info(LR=0.1)


# -------------------------------------------------------------------- progress and status
def test_progress_accepts_0_to_100(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.progress = 0
    monitor.progress = np.float32(37.5)
    assert monitor.progress == 37.5
    monitor.progress = 100
    assert monitor.progress == 100


@pytest.mark.parametrize("value, cls, match", [
    (120, ValueError, r"progress: value must be between 0 and 100; got 120\.0\. It is a "
                      r"percentage"),
    (-1, ValueError, r"progress: value must be between 0 and 100; got -1\.0\."),
    ("half", TypeError, r"progress: value must be a real number; got 'half'\."),
    (True, TypeError, r"progress: value must be a real number; got True\."),
])
def test_progress_errors(value, cls, match, quiet):
    monitor = dl.TrainingProgressMonitor()
    with pytest.raises(cls, match=match):
        monitor.progress = value
    assert monitor.progress == 0


def test_status_and_x_label(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.status = "Training"
    monitor.x_label = "Epoch"
    assert (monitor.status, monitor.x_label) == ("Training", "Epoch")
    with pytest.raises(TypeError, match=r"status: value must be a string; got 3\."):
        monitor.status = 3
    with pytest.raises(TypeError, match=r"x_label: value must be a string; got None\."):
        monitor.x_label = None


def test_redraw_budget():
    monitor = dl.TrainingProgressMonitor()
    assert monitor.redraw_budget == 0.03
    monitor.redraw_budget = 0.2
    assert monitor.redraw_budget == 0.2
    with pytest.raises(ValueError, match=r"redraw_budget: value must be > 0; got 0\.0\."):
        monitor.redraw_budget = 0
    with pytest.raises(ValueError, match=r"redraw_budget: value must be <= 1; got 2\.0\."):
        monitor.redraw_budget = 2


def test_elapsed_time_starts_at_construction():
    monitor = dl.TrainingProgressMonitor()
    first = monitor.elapsed_time
    assert 0 <= first < 5
    assert monitor.elapsed_time >= first


def test_stop_is_read_only_and_request_stop_sets_it(quiet):
    monitor = dl.TrainingProgressMonitor()
    with pytest.raises(AttributeError):
        monitor.stop = True
    monitor.request_stop()
    assert monitor.stop is True


# ------------------------------------------------------------------------- groups, scales
def test_group_subplot_and_yscale():
    monitor = dl.TrainingProgressMonitor(metrics=("TrainLoss", "ValLoss", "Accuracy"))
    monitor.group_subplot("Loss", ["TrainLoss", "ValLoss"])
    monitor.yscale("Loss", "log")
    assert monitor.groups == {"Loss": ("TrainLoss", "ValLoss")}
    assert monitor.subplots() == [("Loss", ("TrainLoss", "ValLoss"), "log"),
                                  ("Accuracy", ("Accuracy",), "linear")]
    assert monitor.scale_of("ValLoss") == "log"
    # Regrouping moves a metric out of its previous group; empty groups disappear.
    monitor.group_subplot("Val", ("ValLoss", "Accuracy"))
    assert monitor.groups == {"Loss": ("TrainLoss",), "Val": ("ValLoss", "Accuracy")}
    monitor.group_subplot("All", ("TrainLoss", "ValLoss", "Accuracy"))
    assert monitor.groups == {"All": ("TrainLoss", "ValLoss", "Accuracy")}
    monitor.yscale("Accuracy", "LINEAR")
    assert monitor.scale_of("Accuracy") == "linear"


@pytest.mark.parametrize("call, cls, match", [
    (lambda m: m.group_subplot("G", ("Nope",)), ValueError,
     r"group_subplot: metric name must be one of 'A', 'B'; got 'Nope'\."),
    (lambda m: m.group_subplot("", ("A",)), ValueError,
     r"group_subplot: name must be a non-empty string; got ''\."),
    (lambda m: m.group_subplot("B", ("A",)), ValueError,
     r"group_subplot: name must not be the name of another metric; got 'B'\."),
    (lambda m: m.group_subplot("G", 5), TypeError,
     r"group_subplot: metrics must be a string or a sequence of strings; got 5\."),
    (lambda m: m.yscale("A", "symlog"), ValueError,
     r"yscale: scale must be one of 'linear', 'log'; got 'symlog'\."),
    (lambda m: m.yscale("C", "log"), ValueError,
     r"yscale: metric or group name must be one of 'A', 'B'; got 'C'\."),
])
def test_group_and_scale_errors(call, cls, match):
    monitor = dl.TrainingProgressMonitor(metrics=("A", "B"))
    with pytest.raises(cls, match=match):
        call(monitor)


# ------------------------------------------------------------------------------ gradients
def test_record_gradients_norms_per_parameter(quiet):
    monitor = dl.TrainingProgressMonitor()
    grads = {"fc1": {"Weights": dl.dlarray(np.full((3, 4), 0.5)), "Bias": np.ones((3, 1))},
             "fc2": [np.zeros(2), None]}
    monitor.record_gradients(1, grads)
    monitor.record_gradients(2, grads)
    history = monitor.gradient_history
    assert list(history.norms) == ["fc1.Weights", "fc1.Bias", "fc2[0]"]
    steps, norms = history.arrays("fc1.Weights")
    np.testing.assert_array_equal(steps, [1, 2])
    np.testing.assert_allclose(norms, [np.sqrt(12 * 0.25)] * 2)
    assert history.latest_step == 2
    assert history.latest["fc1.Bias"].shape == (3,)
    kinds = {(a.kind, a.name) for a in monitor.alerts}
    assert kinds == {("vanishing", "fc2[0]")}


def test_record_gradients_accepts_learnables(quiet):
    monitor = dl.TrainingProgressMonitor()
    grads = dl.Learnables(["fc", "fc"], ["Weights", "Bias"],
                          [dl.dlarray(np.ones((2, 3))), dl.dlarray(np.zeros((2, 1)))])
    monitor.record_gradients(3, grads)
    assert list(monitor.gradient_history.norms) == ["fc.Weights", "fc.Bias"]


def test_exploding_gradients_are_flagged(quiet):
    monitor = dl.TrainingProgressMonitor()
    for step in range(1, 6):
        monitor.record_gradients(step, {"W": np.ones(4)})
    assert monitor.alerts == []
    monitor.record_gradients(6, {"W": np.full(4, 1e4)})
    (alert,) = monitor.alerts
    assert alert.kind == "exploding" and alert.step == 6
    assert alert.message.startswith("exploding gradient: W norm grew 1e+04x")
    monitor.record_gradients(7, {"W": np.array([1.0, np.inf])})
    assert monitor.alerts[-1].message == "exploding gradient: W is not finite at iteration 7"
    assert math.isinf(monitor.gradient_history.arrays("W")[1][-1])


def test_thresholds_are_adjustable(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.vanishing_threshold = 1e-2
    monitor.record_gradients(1, {"W": np.full(4, 1e-3)})
    assert [a.kind for a in monitor.alerts] == ["vanishing"]


def test_record_gradients_errors(quiet):
    monitor = dl.TrainingProgressMonitor()
    with pytest.raises(ValueError, match=r"record_gradients: grads must contain at least one "
                                         r"numeric array; got \{\}\. Pass the gradients"):
        monitor.record_gradients(1, {})
    with pytest.raises(TypeError, match=r"record_gradients: step must be a real number"):
        monitor.record_gradients(None, {"W": np.ones(2)})


def _conv_bn_net():
    layers = [dl.imageInputLayer((6, 6, 1)), dl.convolution2dLayer(3, 4, padding="same"),
              dl.batchNormalizationLayer(), dl.reluLayer(), dl.fullyConnectedLayer(2),
              dl.softmaxLayer()]
    return dl.dlnetwork(layers, rng=np.random.default_rng(0))


def _gradients(net):
    X = dl.dlarray(np.random.default_rng(1).random((6, 6, 1, 8)).astype("float32"), "SSCB")
    T = dl.onehotencode(np.arange(8) % 2, 0, classes=2)

    def model_loss(net, X, T):
        Y, _ = dl.forward(net, X)
        loss = dl.crossentropy(Y, T)
        return dl.dlgradient(loss, net.learnables)

    return dl.dlfeval(model_loss, net, X, T)


def test_a_bias_before_batchnorm_is_recognised_from_the_graph(quiet):
    net = _conv_bn_net()
    grads = _gradients(net)  # conv.Bias: zero up to float32 rounding (about 1e-7)
    monitor = dl.TrainingProgressMonitor()
    monitor.vanishing_threshold = 1e-5
    monitor.record_gradients(1, grads, network=net)
    assert monitor.alerts == []
    (note,) = monitor.notes
    assert note.name == "conv.Bias" and note.step == 1
    assert "it feeds batchnorm (batchNormalizationLayer), whose mean subtraction" in note.message
    # Several networks: the same container layout as the gradients.
    monitor.record_gradients(2, {"G": grads, "D": grads}, network={"G": net, "D": net})
    assert [n.name for n in monitor.notes if n.step == 2] == ["D.conv.Bias", "G.conv.Bias"]
    monitor.record_gradients(3, [grads], network=[net])
    assert [n.name for n in monitor.notes if n.step == 3] == ["[0].conv.Bias"]


def test_the_graph_explains_what_the_numbers_cannot(quiet):
    """Weights that barely learn make the numeric test fail; the graph still knows."""
    net = _conv_bn_net()
    grads = {"conv": {"Weights": np.full((3, 3, 1, 4), 1e-9), "Bias": np.zeros((4, 1))}}
    monitor = dl.TrainingProgressMonitor()
    monitor.record_gradients(1, grads)
    assert {a.name for a in monitor.alerts} == {"conv.Weights", "conv.Bias"}
    monitor = dl.TrainingProgressMonitor()
    monitor.record_gradients(1, grads, network=net)
    assert [a.name for a in monitor.alerts] == ["conv.Weights"]  # a real problem stays red
    assert [n.name for n in monitor.notes] == ["conv.Bias"]


def test_a_zero_bias_beside_learning_weights_is_a_note(quiet):
    """Without a graph: a bias gradient 1e4 times below its weights' is zero by
    construction (a model function with batchnorm, a Wasserstein critic's last bias)."""
    monitor = dl.TrainingProgressMonitor()
    monitor.record_gradients(1, {"conv1": {"Weights": np.full((3, 3), 0.1),
                                           "Bias": np.full((3, 1), 6e-9)},
                                 "critic": {"fc_3": {"Weights": np.ones((1, 4)),
                                                     "Bias": np.zeros((1, 1))}}})
    assert monitor.alerts == []
    assert [n.name for n in monitor.notes] == ["conv1.Bias", "critic.fc_3.Bias"]
    assert monitor.notes[0].message.startswith(
        "conv1.Bias: gradient zero by construction (norm 1e-08, while conv1.Weights has 0.3 "
        "and learns): the loss ignores a shift of this bias")


@pytest.mark.parametrize("grads", [
    {"fc": {"Weights": np.full((2, 2), 1e-9), "Bias": np.zeros(2)}},  # weights vanish too
    {"fc": {"Weights": np.full((2, 2), 1e-5), "Bias": np.full(2, 1e-8)}},  # ratio 1e-3
    {"fc": {"Offset": np.zeros(2)}},  # not a bias
    {"fc": {"Bias": np.zeros(2)}},  # no weights to compare with
])
def test_other_vanishing_gradients_stay_alerts(grads, quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.record_gradients(1, grads)
    assert monitor.notes == [] and "vanishing" in {a.kind for a in monitor.alerts}


def test_record_gradients_network_errors(quiet):
    monitor = dl.TrainingProgressMonitor()
    with pytest.raises(TypeError, match=r"record_gradients: network must be a dlnetwork or a "
                                        r"dict, list or tuple of them; got .*Pass the network"):
        monitor.record_gradients(1, {"W": np.ones(2)}, network="net")


def test_gradient_history_groups_parameters_by_layer(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.record_gradients(1, {"fc1": {"Weights": np.full((1, 3), 1.0), "Bias": np.ones(4)},
                                 "W": np.ones(9)})
    history = monitor.gradient_history
    assert history.layers == {"fc1": ["fc1.Weights", "fc1.Bias"], "W": ["W"]}
    steps, norms = history.layer_arrays("fc1")
    np.testing.assert_allclose(norms, [np.sqrt(3 + 4)])
    np.testing.assert_allclose(history.layer_arrays("W")[1], [3.0])


def test_large_gradients_are_subsampled_for_the_distribution(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.record_gradients(1, {"W": np.arange(100_000.0)})
    assert monitor.gradient_history.latest["W"].size <= 2000


# --------------------------------------------------------------------------------- images
def test_show_images_layouts(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.show_images(np.zeros((8, 8)))
    assert monitor.images[0].shape == (8, 8, 1, 1)
    monitor.show_images(np.zeros((8, 8, 5)), title="Samples")
    assert monitor.images[0].shape == (8, 8, 1, 5) and monitor.images[1] == "Samples"
    monitor.show_images(dl.dlarray(np.zeros((4, 4, 3, 2), dtype=np.float32), "SSCB"))
    assert monitor.images[0].shape == (4, 4, 3, 2)


@pytest.mark.parametrize("images, kwargs, cls, match", [
    (np.zeros(5), {}, ValueError,
     r"show_images: images must have shape \(H, W\), \(H, W, N\) or \(H, W, C, N\); got array"),
    (np.zeros((4, 4, 2, 3)), {}, ValueError,
     r"show_images: images must have 1 or 3 channels \(third dimension\)"),
    (np.array([["a"]]), {}, TypeError, r"show_images: images must be numeric"),
    (np.zeros((4, 4)), {"title": 1}, TypeError, r"show_images: title must be a string; got 1"),
])
def test_show_images_errors(images, kwargs, cls, match, quiet):
    monitor = dl.TrainingProgressMonitor()
    with pytest.raises(cls, match=match):
        monitor.show_images(images, **kwargs)


# ------------------------------------------------------------------ MATLAB's spellings
def test_matlab_function_forms_and_dot_forms(quiet):
    monitor = dl.TrainingProgressMonitor(metrics=("TrainLoss", "ValLoss"), info=("Epoch",))
    dl.recordMetrics(monitor, 1, TrainLoss=0.5)
    dl.recordMetrics(monitor, 2, {"TrainLoss": 0.4, "ValLoss": 0.45})  # MATLAB's struct form
    monitor.recordMetrics(3, TrainLoss=0.3)
    dl.updateInfo(monitor, Epoch=1)
    monitor.updateInfo({"Epoch": 2})
    dl.groupSubPlot(monitor, "Loss", ["TrainLoss", "ValLoss"])
    dl.yscale(monitor, "Loss", "log")
    np.testing.assert_array_equal(monitor.metric_data["TrainLoss"][0], [1, 2, 3])
    assert monitor.info_data == {"Epoch": [1, 2]}
    assert monitor.groups == {"Loss": ("TrainLoss", "ValLoss")}
    assert monitor.scale_of("ValLoss") == "log"
    other = dl.TrainingProgressMonitor(metrics=("A", "B"))
    other.groupSubPlot("AB", ("A", "B"))
    assert other.groups == {"AB": ("A", "B")}


@pytest.mark.parametrize("call", [
    lambda: dl.recordMetrics("monitor", 1, Loss=1.0),
    lambda: dl.updateInfo(None, Epoch=1),
    lambda: dl.groupSubPlot({}, "Loss", "Loss"),
    lambda: dl.yscale(3, "Loss", "log"),
])
def test_matlab_function_forms_check_the_monitor(call):
    with pytest.raises(TypeError, match=r"^(recordMetrics|updateInfo|groupSubPlot|yscale): "
                                        r"monitor must be a TrainingProgressMonitor; got .*"
                                        r"Create one with"):
        call()


def test_clock_must_be_callable():
    with pytest.raises(TypeError, match=r"TrainingProgressMonitor: clock must be a function "
                                        r"returning seconds; got 3\. For example"):
        dl.TrainingProgressMonitor(clock=3)


def test_show_mode_is_validated():
    monitor = dl.TrainingProgressMonitor()
    with pytest.raises(ValueError, match=r"show: mode must be one of 'auto', 'widget', "
                                         r"'display', 'text'; got 'window'\."):
        monitor.show("window")


# ------------------------------------------------------------------------------ text view
def test_text_view_prints_concise_throttled_lines(quiet):
    clock = FakeClock()
    monitor = dl.TrainingProgressMonitor(info=("Epoch",), clock=clock)
    for i in range(1, 2001):
        clock.now += 0.01  # 20 s in all: a line every 2 s at most
        monitor.record_metrics(i, Loss=1.0 / i)
        monitor.update_info(Epoch=i // 100)
        assert not monitor.stop
    monitor.progress = 100
    lines = quiet.getvalue().splitlines()
    assert len(lines) == 11, lines
    assert lines[0] == "Iteration 1 | Loss 1 | Epoch 0 | 0% | 0:00:00"
    assert lines[-1] == "Iteration 2000 | Loss 5.000e-04 | Epoch 20 | 100% | 0:00:20"


def test_text_view_prints_the_current_iterations_info(quiet):
    """Each line is one iteration: its metrics with its own info values, not the previous."""
    clock = FakeClock()
    monitor = dl.TrainingProgressMonitor(info=("Epoch", "LearnRate"), clock=clock)
    for i in range(1, 301):
        clock.now += 0.1
        monitor.record_metrics(i, Loss=1.0 / i)
        monitor.update_info(Epoch=i, LearnRate=0.5 / i)
        monitor.progress = i / 3
    lines = quiet.getvalue().splitlines()
    assert len(lines) >= 10
    for line in lines:
        step, loss, epoch = (line.split(" | ")[k].split(" ")[1] for k in range(3))
        assert step == epoch and float(loss) == pytest.approx(1 / int(step), rel=1e-3), line


def test_text_view_prints_notes_once(quiet):
    monitor = dl.TrainingProgressMonitor()
    for step in (1, 2):
        monitor.record_gradients(step, {"fc": {"Weights": np.ones((2, 2)),
                                               "Bias": np.zeros((2, 1))}})
    text = quiet.getvalue()
    assert text.count("note: fc.Bias: gradient zero by construction") == 1
    assert "warning" not in text


def test_text_view_reports_alerts_once_and_stop(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.record_metrics(1, Loss=float("inf"))
    monitor.record_metrics(2, Loss=float("inf"))
    monitor.request_stop()
    text = quiet.getvalue()
    assert text.count("warning: non-finite Loss (inf) at iteration 1") == 1
    assert "stop requested" in text


def test_script_mode_writes_text_to_stderr_only():
    code = ("import dlnotebooks as dl\n"
            "m = dl.TrainingProgressMonitor(info=('Epoch',))\n"
            "i = 0\n"
            "while i < 500 and not m.stop:\n"
            "    i += 1\n"
            "    m.record_metrics(i, Loss=1 / i)\n"
            "    m.update_info(Epoch=i // 100)\n"
            "    m.progress = 100 * i / 500\n")
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == ""
    lines = out.stderr.splitlines()
    assert 1 <= len(lines) <= 4 and lines[-1].startswith("Iteration 500 | Loss 0.002 | Epoch 5 |")


def test_import_and_model_use_no_front_end_modules():
    code = ("import sys, dlnotebooks as dl\n"
            "m = dl.TrainingProgressMonitor()\n"
            "m.group_subplot('G', 'Loss'); m.yscale('G', 'log'); m.progress = 5\n"
            "print(sorted(k for k in ('ipywidgets', 'matplotlib', 'IPython') if k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------- throttle
def test_throttle_keeps_redraws_within_budget():
    clock = FakeClock()
    throttle = Throttle(budget=0.04, min_interval=0.25, capacity=0.0, clock=clock)
    assert throttle.due()

    def draw(cost):
        clock.now += cost

    throttle.run(lambda: draw(0.1))  # 100 ms of debt, repaid at 40 ms per second: 2.5 s
    clock.now = 2.5
    assert not throttle.due()
    clock.now = 2.61
    assert throttle.due()
    throttle.run(lambda: draw(0.001))
    clock.now += 0.2
    assert not throttle.due()  # min_interval
    clock.now += 0.05
    assert throttle.due()


def test_idle_time_does_not_allow_a_long_burst():
    clock = FakeClock()
    throttle = Throttle(budget=0.03, min_interval=0.25, capacity=0.2, clock=clock)
    throttle.run(lambda: None)
    clock.now = 600.0  # shown, then idle for ten minutes before the loop starts
    frames = 0
    for _ in range(8):
        clock.now += 0.25
        if throttle.due():
            throttle.run(lambda: setattr(clock, "now", clock.now + 0.1))
            frames += 1
    assert frames <= 3


def test_warmup_is_not_charged():
    clock = FakeClock()
    throttle = Throttle(budget=0.03, min_interval=0.25, clock=clock)
    throttle.run(lambda: setattr(clock, "now", clock.now + 1.5), warmup=True)
    clock.now += 0.25
    assert throttle.due() and throttle.uncharged == 1.5 and throttle.total_cost == 0


def test_throttled_redraws_cost_a_few_percent_of_a_fast_loop():
    clock = FakeClock()
    throttle = Throttle(budget=0.03, capacity=0.2, clock=clock)
    busy = 0.0
    for _ in range(20_000):  # 1 ms per step, 80 ms per redraw
        clock.now += 0.001
        if throttle.due():
            throttle.run(lambda: setattr(clock, "now", clock.now + 0.08))
            busy += 0.08
    # At most the budget, plus the bucket's capacity and the free first redraw.
    assert busy <= 0.03 * clock.now + 0.2 + 0.08
    assert throttle.count >= 5


# ------------------------------------------------------------------------------- helpers
def test_text_lines_format_values_and_time_readably(quiet):
    clock = FakeClock()
    monitor = dl.TrainingProgressMonitor(metrics=("A", "B"),
                                         info=("N", "X", "Tiny", "Word", "Flag"), clock=clock)
    clock.now = 3725.4
    monitor.record_metrics(1, A=0.123456, B=float("nan"))
    monitor.update_info(N=3, X=np.float32(2.5), Tiny=1e-7, Word="text", Flag=True)
    monitor.progress = 100
    assert quiet.getvalue().splitlines()[-1] == (
        "Iteration 1 | A 0.1235 | B nan | N 3 | X 2.5 | Tiny 1.000e-07 | Word text | "
        "Flag True | 100% | 1:02:05")


def test_kernel_helpers_outside_a_kernel():
    assert _kernel.kernel_shell() is None
    assert _kernel.get_pump() is None


def test_unknown_kernel_layout_warns_once_and_falls_back(monkeypatch):
    class Kernel:
        shell_channel_thread = None

    class Shell:
        kernel = Kernel()

    monkeypatch.setattr(_kernel, "kernel_shell", lambda: Shell())
    monkeypatch.setattr(_kernel, "_pump", None)
    monkeypatch.setattr(_kernel, "_failed", False)
    with pytest.warns(RuntimeWarning, match="the Stop button will take effect only after"):
        assert _kernel.get_pump() is None
    assert _kernel.get_pump() is None  # no second warning (warnings are errors in pytest)


def test_repr_summarises_state(quiet):
    monitor = dl.TrainingProgressMonitor()
    monitor.record_metrics(1, Loss=1.0)
    assert "Loss: 1" in repr(monitor) and "stop=False" in repr(monitor)


def test_matlab_name_value_options_are_answered_with_the_python_keyword():
    with pytest.raises(TypeError, match=r"TrainingProgressMonitor: option XLabel is not known.*"
                                        r"Did you mean x_label='Epoch'"):
        dl.TrainingProgressMonitor(metrics=("Loss",), XLabel="Epoch")
    with pytest.raises(TypeError, match=r"'Name', value pair.*metrics="):
        dl.TrainingProgressMonitor("Metrics", ("Loss",))
