"""TrainingProgressMonitor: MATLAB's trainingProgressMonitor for custom training loops."""

import math
import numbers
import statistics
import time
from collections import namedtuple

import numpy as np

from .._checks import choice, describe, fail, matlab_names
from ._args import _known, _merge, _names, _step
from ._history import GradientHistory, MetricHistory, Stopwatch, _to_array, _to_float
from ._zero_grad import ZERO_RATIO, _normalized_biases

__all__ = ["TrainingProgressMonitor"]

Alert = namedtuple("Alert", ["kind", "name", "step", "message"])
Alert.__doc__ = """A flagged problem: ``kind`` is "vanishing", "exploding" or "non-finite"."""

Note = namedtuple("Note", ["name", "step", "message"])
Note.__doc__ = """A recognised harmless pattern, e.g. a gradient that is zero by construction."""


_SCALES = ("linear", "log")


class TrainingProgressMonitor:
    """Monitor a custom training loop: live metric plots, info fields, progress and a Stop button.

    The monitor keeps a plain-Python history of every recorded metric, info value and
    gradient statistic, and shows it live. In JupyterLab it is one compact widget (progress bar,
    elapsed time, Stop button, status line, metric plots, info table, and optional gradient and
    image panels) whose plots are updated in place, throttled so that a fast loop is slowed
    by only a few percent. Without a widget front end (nbclient, a docs build) it updates a
    rich display in place, and in a plain script it prints concise text lines to stderr.

    Parameters
    ----------
    metrics : str or sequence of str, default ("Loss",)
        Names of the plotted metrics, each on its own subplot until grouped.
    info : str or sequence of str, default ()
        Names of the text fields shown in the info table (epoch, learning rate, ...).
    x_label : str, default "Iteration"
        Label of the plots' x axis and of the step in text output.
    clock : callable, optional
        A function returning seconds (default ``time.perf_counter``) for the elapsed time and
        for pacing the redraws; pass a fake clock to replay or test a run deterministically.

    Attributes
    ----------
    metrics, info : tuple of str
        The declared names.
    x_label : str
        The x-axis label (settable).
    progress : float
        Percentage in [0, 100] shown by the progress bar (settable).
    status : str
        Free text shown in the status line (settable), e.g. ``"Training"``, ``"Done"``.
    stop : bool
        True once the Stop button was clicked (or :meth:`request_stop` called). Reading it
        lets the kernel handle the click while the cell is still running.
    metric_data : dict of str to (ndarray, ndarray)
        Each metric's recorded ``(steps, values)``, float64 arrays of shape ``(n,)``.
    info_data : dict of str to list
        Each info field's values in update order (the latest last).
    alerts : list of Alert
        Flagged problems: vanishing or exploding gradients, non-finite metric values.
    notes : list of Note
        Recognised harmless patterns, shown in grey (not as alerts): a parameter whose
        gradient is zero by construction, e.g. a bias followed by a batch normalization.
    metric_times : dict of str to ndarray
        When each value was recorded, in seconds of running time (see ``elapsed_time``).
    elapsed_time : float
        Seconds the loop has run: the clock starts when the monitor is created and stops when
        the loop is over (the cell that ran it ended, progress reached 100, or Stop was
        pressed); it resumes if the monitor records again (a loop continued in a later cell).
    widget : ipywidgets.Widget or None
        The live widget once the monitor is shown in JupyterLab (for embedding it in your own
        layout), else None.
    vanishing_threshold : float, default 1e-7
        A parameter whose gradient norm falls below this is flagged as vanishing.
    growth_factor : float, default 1e3
        A gradient norm more than this times the median of the same parameter's last ten
        norms is flagged as exploding (so are non-finite norms).
    redraw_budget : float, default 0.03
        Largest fraction of the wall time that redrawing the plots may take: after a redraw
        that took 50 ms the next one comes about 1.7 s later. Raise it for livelier plots of
        a slow loop, lower it for a fast one.

    Raises
    ------
    TypeError
        If ``metrics`` or ``info`` are not strings.
    ValueError
        If a name is empty or repeated, or appears both as a metric and an info field.

    Notes
    -----
    **The Stop button during a running cell.** A Jupyter kernel handles a button click only
    after the running cell ends, which is too late for ``while not monitor.stop``. Reading
    ``monitor.stop`` (at most every 0.1 s; cost about 0.2 ms) therefore lets the kernel handle
    widget messages that arrived meanwhile, and keeps every other pending request (cells
    queued after this one, completions) in order for after the cell. On a kernel whose
    internals are not the tested ones (see ``dlnotebooks doctor``) the monitor warns once and
    the button becomes a plain flag. Kernel -> Interrupt always works and leaves the monitor
    and the loop's variables consistent.

    Figures are drawn with ``matplotlib.figure.Figure`` and the Agg canvas, never pyplot, so
    nothing leaks into ``plt`` and no figure is closed or shown behind the learner's back.

    The view appears at the first update (or at :meth:`show`), not at construction. It is
    redrawn (throttled) when an iteration completes: when a new step is recorded, when
    ``progress`` or ``status`` is set, and when the loop reads ``stop``; so each frame shows
    one iteration's metrics and info together. When the loop is over (its cell ends) the last
    frame is drawn, the clock stops and the Stop button disappears; later cells never redraw
    it.

    MATLAB compatibility
    --------------------
    ``trainingProgressMonitor(Metrics=..., Info=..., XLabel=...)``. Properties map to
    snake_case: ``Progress`` -> ``progress``, ``Status`` -> ``status``, ``Stop`` -> ``stop``,
    ``MetricData`` -> ``metric_data``, ``InfoData`` -> ``info_data``, ``XLabel`` ->
    ``x_label``.

    MATLAB's four functions work in both of MATLAB's call forms and under the Python name:

    - ``recordMetrics(monitor, step, ...)`` (``dl.recordMetrics``),
      ``monitor.recordMetrics(step, ...)`` and :meth:`record_metrics`;
    - ``updateInfo(monitor, ...)``, ``monitor.updateInfo(...)`` and :meth:`update_info`;
    - ``groupSubPlot(monitor, name, metrics)``, ``monitor.groupSubPlot(...)`` and
      :meth:`group_subplot`;
    - ``yscale(monitor, name, "log")`` and :meth:`yscale`.

    They are the same function (errors name the Python one). This follows the library's rule:
    MATLAB's function names verbatim (``dl.forward(net, X)``), Python names for what is ours.
    The struct forms ``recordMetrics(monitor, step, s)`` and ``updateInfo(monitor, s)`` take
    a dict. Additions: :meth:`record_gradients` (gradient norms and distributions, with
    vanishing/exploding alerts and notes on gradients that are zero by construction),
    :meth:`show_images`, :meth:`request_stop`, :attr:`alerts`, :attr:`notes`,
    :attr:`widget`, ``clock``. ``Visible`` has no equivalent; the view is shown at the first
    update.

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> monitor = dl.TrainingProgressMonitor(metrics=("Loss",), info=("Epoch",))
    >>> monitor.record_metrics(1, Loss=0.75)
    >>> monitor.record_metrics(2, Loss=0.5)
    >>> steps, values = monitor.metric_data["Loss"]
    >>> steps, values
    (array([1., 2.]), array([0.75, 0.5 ]))
    >>> monitor.progress = 50
    >>> monitor.stop
    False
    """

    @matlab_names
    def __init__(self, metrics=("Loss",), info=(), x_label="Iteration", *, clock=None):
        func = "TrainingProgressMonitor"
        self._metrics = _names(func, "metrics", metrics)
        self._info = _names(func, "info", info) if info != () else ()
        both = sorted(set(self._metrics) & set(self._info))
        if both:
            raise fail(func, "info", "must not repeat a metric name", repr(both),
                       "Give metrics and info fields different names.")
        if not isinstance(x_label, str):
            raise fail(func, "x_label", "must be a string", describe(x_label), cls=TypeError)
        self._x_label = x_label
        if clock is not None and not callable(clock):
            raise fail(func, "clock", "must be a function returning seconds", describe(clock),
                       "For example clock=time.perf_counter.", cls=TypeError)
        self._time = clock if clock is not None else time.perf_counter
        self._clock = Stopwatch(self._time)
        self._histories = {name: MetricHistory(name) for name in self._metrics}
        self._info_values = {name: [] for name in self._info}
        self._groups = {}
        self._scales = {}
        self._gradients = GradientHistory()
        self._images = None
        self._progress = 0.0
        self._status = ""
        self._stop = False
        self._alerts = {}
        self._notes = {}
        self._latest_step = None
        self.vanishing_threshold = 1e-7
        self.growth_factor = 1e3
        self._redraw_budget = 0.03
        self._view = None

    # ------------------------------------------------------------------ properties
    @property
    def metrics(self):
        return self._metrics

    @property
    def info(self):
        return self._info

    @property
    def x_label(self):
        return self._x_label

    @x_label.setter
    def x_label(self, value):
        if not isinstance(value, str):
            raise fail("x_label", "value", "must be a string", describe(value), cls=TypeError)
        self._x_label = value
        self._changed("metrics")

    @property
    def progress(self):
        return self._progress

    @progress.setter
    def progress(self, value):
        if isinstance(value, (bool, np.bool_)):
            raise fail("progress", "value", "must be a real number", repr(value),
                       cls=TypeError)
        try:
            number = _to_float(value)
        except (TypeError, ValueError):
            raise fail("progress", "value", "must be a real number", describe(value),
                       cls=TypeError) from None
        if not 0.0 <= number <= 100.0:
            raise fail("progress", "value", "must be between 0 and 100", number,
                       "It is a percentage, e.g. 100 * iteration / num_iterations.")
        self._progress = number
        if number >= 100.0:
            self._clock.pause()  # done: the clock shows the training time from now on
        else:
            self._clock.resume()
        self._changed("progress")

    @property
    def status(self):
        return self._status

    @status.setter
    def status(self, value):
        if not isinstance(value, str):
            raise fail("status", "value", "must be a string", describe(value), cls=TypeError)
        self._status = value
        self._changed("status")

    @property
    def stop(self):
        if not self._stop:
            if self._progress < 100:
                self._clock.resume()  # a loop reads stop: it runs (again)
            if self._view is not None:
                self._view.poll()
        return self._stop

    @property
    def redraw_budget(self):
        """Largest fraction of the wall time that redrawing the plots may take (0.03)."""
        return self._redraw_budget

    @redraw_budget.setter
    def redraw_budget(self, value):
        from .._checks import real_number

        self._redraw_budget = real_number("redraw_budget", "value", value, low=0, high=1,
                                          low_open=True)
        if self._view is not None and self._view.draws_figures:
            self._view.throttle.budget = self._redraw_budget

    @property
    def metric_data(self):
        return {name: history.arrays() for name, history in self._histories.items()}

    @property
    def metric_times(self):
        """Each metric's recording times, seconds since creation (float64 arrays ``(n,)``)."""
        return {name: history.times() for name, history in self._histories.items()}

    @property
    def info_data(self):
        return {name: list(values) for name, values in self._info_values.items()}

    @property
    def alerts(self):
        return sorted(self._alerts.values(), key=lambda a: (a.step, a.kind, a.name))

    @property
    def notes(self):
        return sorted(self._notes.values(), key=lambda n: (n.step, n.name))

    @property
    def elapsed_time(self):
        return self._clock.elapsed()

    @property
    def widget(self):
        return getattr(self._view, "root", None)

    @property
    def groups(self):
        """Subplot groups as ``{group name: tuple of metric names}``."""
        return {name: tuple(members) for name, members in self._groups.items()}

    @property
    def gradient_history(self):
        """The :class:`GradientHistory` model: per-parameter norms and latest samples."""
        return self._gradients

    @property
    def images(self):
        """The latest ``(images, title)`` given to :meth:`show_images`, or None."""
        return self._images

    # --------------------------------------------------------------------- methods
    def record_metrics(self, step, values=None, /, **metrics):
        """Append metric values at a step to the plots and to :attr:`metric_data`.

        Parameters
        ----------
        step : int or float
            The x value (iteration or epoch), finite.
        values : dict, optional
            MATLAB's struct form: ``{"Loss": loss}``; merged with the keywords.
        **metrics : scalar
            ``Name=value`` for declared metrics: numbers, 0-d arrays or one-element dlarrays.

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If a name is not a declared metric, or a value has more than one element.
        TypeError
            If the step or a value is not a real number.

        Notes
        -----
        Non-finite values are recorded (as gaps in the plot) and flagged in :attr:`alerts`.

        Examples
        --------
        >>> import dlnotebooks as dl
        >>> m = dl.TrainingProgressMonitor(metrics=("TrainLoss", "ValLoss"))
        >>> m.record_metrics(10, {"TrainLoss": 0.3}, ValLoss=0.4)
        >>> m.metric_data["ValLoss"]
        (array([10.]), array([0.4]))
        """
        func = "record_metrics"
        step = _step(func, step)
        merged = _merge(func, values, metrics)
        if not merged:
            raise fail(func, "values", "must name at least one metric", "none",
                       f"For example record_metrics(step, {self._metrics[0]}=loss).")
        parsed = {}
        for name, value in merged.items():
            _known(func, "metric", name, self._metrics,
                   "Declare it when creating the monitor: "
                   f"TrainingProgressMonitor(metrics=({', '.join(map(repr, self._metrics))}, "
                   f"{name!r})).")
            parsed[name] = self._scalar(func, name, value)
        if self._latest_step is not None and step != self._latest_step \
                and self._view is not None:
            self._view.iteration_done()  # the previous iteration is complete: a good frame
        self._latest_step = step
        self._clock.resume()
        elapsed = self.elapsed_time
        for name, number in parsed.items():
            self._histories[name].append(step, number, elapsed)
            if not math.isfinite(number):
                self._alert("non-finite", name, step,
                            f"non-finite {name} ({number}) at {self._x_label.lower()} {step}")
        self._changed("metrics")

    def update_info(self, values=None, /, **info):
        """Update the info fields shown beside the plots (epoch, learning rate, ...).

        Parameters
        ----------
        values : dict, optional
            MATLAB's struct form; merged with the keywords.
        **info : any
            ``Name=value`` for declared info fields; any value with a readable ``str``.

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If a name is not a declared info field.

        Examples
        --------
        >>> import dlnotebooks as dl
        >>> m = dl.TrainingProgressMonitor(info=("Epoch", "LearnRate"))
        >>> m.update_info(Epoch=1, LearnRate=0.01)
        >>> m.info_data
        {'Epoch': [1], 'LearnRate': [0.01]}
        """
        func = "update_info"
        merged = _merge(func, values, info)
        for name in merged:
            _known(func, "info", name, self._info,
                   "Declare it when creating the monitor: TrainingProgressMonitor(info=(...)).")
        for name, value in merged.items():
            if isinstance(value, np.ndarray) or hasattr(value, "_fmt"):
                array = _to_array(value)
                value = array.reshape(-1)[0].item() if array.size == 1 else array
            self._info_values[name].append(value)
        self._changed("info")

    def group_subplot(self, name, metrics):
        """Plot several metrics on one subplot called ``name`` (e.g. training and validation loss).

        Parameters
        ----------
        name : str
            Title of the subplot; also a name for :meth:`yscale`.
        metrics : str or sequence of str
            Declared metrics; each leaves any group it was in before.

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If a metric is unknown, or ``name`` is empty or names a metric outside the group.

        Examples
        --------
        >>> import dlnotebooks as dl
        >>> m = dl.TrainingProgressMonitor(metrics=("TrainLoss", "ValLoss", "Accuracy"))
        >>> m.group_subplot("Loss", ("TrainLoss", "ValLoss"))
        >>> m.groups
        {'Loss': ('TrainLoss', 'ValLoss')}
        """
        func = "group_subplot"
        if not isinstance(name, str) or not name.strip():
            raise fail(func, "name", "must be a non-empty string", describe(name))
        members = _names(func, "metrics", metrics)
        for metric in members:
            _known(func, "metric", metric, self._metrics,
                   "Group only metrics declared when creating the monitor.")
        if name in self._metrics and name not in members:
            raise fail(func, "name", "must not be the name of another metric", repr(name),
                       "Choose a different group name.")
        for group, current in list(self._groups.items()):
            remaining = [m for m in current if m not in members]
            if remaining:
                self._groups[group] = remaining
            else:
                del self._groups[group]
        self._groups[name] = list(members)
        self._changed("metrics", False)

    def yscale(self, name, scale):
        """Set the y-axis scale, ``"linear"`` or ``"log"``, of a metric's or a group's subplot.

        Parameters
        ----------
        name : str
            A declared metric or a group (see :meth:`group_subplot`).
        scale : {"linear", "log"}

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If ``name`` is neither a group nor a metric, or ``scale`` is not "linear"/"log".

        Examples
        --------
        >>> import dlnotebooks as dl
        >>> m = dl.TrainingProgressMonitor()
        >>> m.yscale("Loss", "log")
        >>> m.scale_of("Loss")
        'log'
        """
        func = "yscale"
        scale = choice(func, "scale", scale, _SCALES)
        if name not in self._groups:
            _known(func, "metric or group", name, tuple(self._groups) + self._metrics,
                   "Use a metric name or a group made with group_subplot.")
        self._scales[name] = scale
        self._changed("metrics", False)

    def scale_of(self, name):
        """Return the y scale of a metric or group (a grouped metric follows its group).

        Parameters
        ----------
        name : str, a metric or a group

        Returns
        -------
        scale : {"linear", "log"}
        """
        for group, members in self._groups.items():
            if name in members:
                name = group
                break
        return self._scales.get(name, "linear")

    def subplots(self):
        """Return the subplots in display order as ``[(title, (metric, ...), scale), ...]``.

        Returns
        -------
        list of (str, tuple of str, str)
        """
        panels, seen = [], set()
        for metric in self._metrics:
            if metric in seen:
                continue
            group = next((g for g, m in self._groups.items() if metric in m), None)
            if group is None:
                panels.append((metric, (metric,), self.scale_of(metric)))
                seen.add(metric)
            else:
                members = tuple(self._groups[group])
                panels.append((group, members, self.scale_of(group)))
                seen.update(members)
        return panels

    def record_gradients(self, step, grads, network=None):
        """Record per-parameter gradient norms and the latest gradient distribution.

        Parameters
        ----------
        step : int or float
            The x value (iteration).
        grads : container of arrays
            What ``dlgradient`` returned: a dict, ``Learnables``, list or tuple (nested),
            whose leaves are dlarrays or NumPy arrays.
        network : dlnetwork or container of dlnetworks, optional
            The network(s) the gradients belong to, in the same container layout as
            ``grads`` (``{"G": net_G, "D": net_D}`` for ``{"G": grads_G, "D": grads_D}``).
            Its graph tells which biases feed a normalization layer: their gradient is zero
            by construction, and they get a note instead of an alert.

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If ``grads`` holds no numeric array.
        TypeError
            If ``network`` is neither a dlnetwork nor a dict, list or tuple of them.

        Notes
        -----
        A parameter is flagged as *vanishing* when its gradient norm is below
        :attr:`vanishing_threshold`, and as *exploding* when the norm is not finite or more
        than :attr:`growth_factor` times the median of its last ten norms.

        A vanishing gradient that is zero *by construction* is not a training problem and
        gets a :attr:`notes` entry (shown in grey) instead of an alert:

        - a ``Bias`` whose layer feeds only a normalization layer (batch, instance, group or
          layer normalization), read from ``network``'s graph: the normalization subtracts
          a mean that the bias shifts by the same amount, so the loss ignores the bias;
        - without a graph, a bias (a path ending in ``Bias``) whose gradient is more than
          10 000 times smaller than that of its layer's ``Weights``, which still learn:
          the loss does not change when the bias shifts (a normalization follows it, or the
          loss depends only on differences of outputs, as a Wasserstein critic's does).

        Examples
        --------
        >>> import numpy as np, dlnotebooks as dl
        >>> m = dl.TrainingProgressMonitor()
        >>> m.record_gradients(1, {"W": np.full((2, 2), 1e-9), "b": np.ones(2)})
        >>> [a.message for a in m.alerts]
        ['vanishing gradient: W has norm 2e-09 < 1e-07 at iteration 1']
        >>> m.record_gradients(2, {"fc": {"Weights": np.ones((2, 2)), "Bias": np.zeros(2)}})
        >>> [n.name for n in m.notes], len(m.alerts)
        (['fc.Bias'], 1)
        """
        func = "record_gradients"
        step = _step(func, step)
        normalized = _normalized_biases(func, network) if network is not None else {}
        previous = {path: [n for _, n in pairs[-10:] if math.isfinite(n)]
                    for path, pairs in self._gradients.norms.items()}
        norms = self._gradients.record(step, grads)
        if not norms:
            raise fail(func, "grads", "must contain at least one numeric array",
                       describe(grads), "Pass the gradients returned by dlgradient.")
        self._clock.resume()
        where = f"at {self._x_label.lower()} {step}"
        for path, norm in norms.items():
            if not math.isfinite(norm):
                self._alert("exploding", path, step,
                            f"exploding gradient: {path} is not finite {where}")
                continue
            if norm < self.vanishing_threshold:
                reason = self._zero_by_construction(path, norm, norms, normalized)
                if reason:
                    self._notes[path] = Note(path, step, reason)
                else:
                    self._alert("vanishing", path, step,
                                f"vanishing gradient: {path} has norm {norm:.3g} < "
                                f"{self.vanishing_threshold:.3g} {where}")
            recent = previous.get(path, [])
            if len(recent) >= 3:
                median = statistics.median(recent)
                if median > 0 and norm > self.growth_factor * median:
                    self._alert("exploding", path, step,
                                f"exploding gradient: {path} norm grew {norm / median:.3g}x "
                                f"to {norm:.3g} {where}")
        self._changed("gradients")

    def _zero_by_construction(self, path, norm, norms, normalized):
        """Why ``path``'s tiny gradient is zero by construction, or "" if it may be a problem."""
        if path in normalized:
            layer, constructor = normalized[path]
            return (f"{path}: gradient zero by construction (norm {norm:.2g}): it feeds "
                    f"{layer} ({constructor}), whose mean subtraction cancels any shift the "
                    f"bias adds. Harmless; MATLAB's networks carry the same bias.")
        head, _, leaf = path.rpartition(".")
        if leaf.lower() != "bias":
            return ""
        sibling = next((p for p in norms if p.rpartition(".")[0] == head
                        and p.rpartition(".")[2].lower() == "weights"), None)
        weights = norms.get(sibling, math.nan)
        if not (math.isfinite(weights) and weights >= self.vanishing_threshold
                and norm <= ZERO_RATIO * weights):
            return ""
        return (f"{path}: gradient zero by construction (norm {norm:.2g}, while "
                f"{sibling} has {weights:.2g} and learns): the loss ignores a shift of this "
                f"bias, as when a normalization follows it or the loss depends only on "
                f"differences of outputs. Harmless.")

    def show_images(self, images, title=None):
        """Show a grid of images (GAN samples, reconstructions), replacing the previous grid.

        Parameters
        ----------
        images : array or dlarray
            ``(H, W)``, ``(H, W, N)`` grey, or ``(H, W, C, N)`` with C = 1 or 3 (MATLAB's
            layout, observations last). Values are scaled to [0, 1] for display when they
            leave that range. At most 64 images are shown.
        title : str, optional
            Caption above the grid.

        Returns
        -------
        None

        Raises
        ------
        ValueError
            If the array does not have 2 to 4 dimensions or C is not 1 or 3.

        Examples
        --------
        >>> import numpy as np, dlnotebooks as dl
        >>> m = dl.TrainingProgressMonitor()
        >>> m.show_images(np.zeros((8, 8, 1, 4)), title="Samples")
        >>> m.images[0].shape
        (8, 8, 1, 4)
        """
        func = "show_images"
        array = _to_array(images)
        if array.dtype.kind not in "biuf":
            raise fail(func, "images", "must be numeric", describe(images), cls=TypeError)
        if array.ndim == 2:
            array = array[:, :, None, None]
        elif array.ndim == 3:
            array = array[:, :, None, :]
        elif array.ndim != 4:
            raise fail(func, "images", "must have shape (H, W), (H, W, N) or (H, W, C, N)",
                       describe(images), "Observations go last, as in MATLAB.")
        if array.shape[2] not in (1, 3):
            raise fail(func, "images", "must have 1 or 3 channels (third dimension)",
                       describe(images), 'Format "SSCB" puts channels third.')
        if title is not None and not isinstance(title, str):
            raise fail(func, "title", "must be a string", describe(title), cls=TypeError)
        self._images = (np.array(array, dtype=np.float64), title)
        self._changed("images")

    def request_stop(self):
        """Set :attr:`stop` to True, as the Stop button does (e.g. for early stopping).

        Returns
        -------
        None
        """
        self._stop = True
        self._clock.pause()
        self._changed("stop", False)

    def show(self, mode="auto"):
        """Display the monitor (again); returns None.

        Parameters
        ----------
        mode : {"auto", "widget", "display", "text"}, default "auto"
            "auto" picks the widget view in a Jupyter kernel (falling back to an in-place rich
            display when no widget front end answers) and text lines elsewhere.

        Returns
        -------
        None
        """
        mode = choice("show", "mode", mode, ("auto", "widget", "display", "text"))
        from ._views import make_view

        if self._view is not None:
            self._view.close()
        self._view = make_view(self, mode)
        self._view.show()

    # ------------------------------------------------------------------- internals
    def _scalar(self, func, name, value):
        if isinstance(value, (bool, np.bool_)):
            raise fail(func, f"value of {name!r}", "must be a real number", repr(value),
                       cls=TypeError)
        if isinstance(value, numbers.Real):
            return float(value)
        try:
            array = _to_array(value)
        except Exception:
            array = None
        if array is None or array.dtype.kind not in "biuf":
            raise fail(func, f"value of {name!r}", "must be a real number", describe(value),
                       cls=TypeError)
        if array.size != 1:
            raise fail(func, f"value of {name!r}", "must be a scalar", describe(value),
                       "Reduce it first, e.g. with .mean() or float(loss).")
        return float(array.reshape(-1)[0])

    def _alert(self, kind, name, step, message):
        self._alerts[(kind, name)] = Alert(kind, name, step, message)

    def _changed(self, what, show=True):
        if self._view is None:
            if not show:
                return
            from ._views import make_view

            self._view = make_view(self, "auto")
            self._view.show()
        self._view.changed(what)

    def _on_stop_clicked(self):
        self._stop = True
        self._clock.pause()
        self._changed("stop", False)

    def _loop_ended(self):
        """Called by the view when the cell that ran the loop ends: the clock stops."""
        self._clock.pause()

    # MATLAB's dot-call spellings of its functions (the same methods).
    recordMetrics = record_metrics
    updateInfo = update_info
    groupSubPlot = group_subplot

    def __repr__(self):
        counts = ", ".join(f"{n}: {len(h)}" for n, h in self._histories.items())
        return (f"TrainingProgressMonitor(metrics={self._metrics!r}, info={self._info!r}, "
                f"x_label={self._x_label!r}) <{counts}; progress {self._progress:g}%; "
                f"stop={self._stop}>")
