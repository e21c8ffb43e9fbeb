"""Views of a TrainingProgressMonitor: widget (JupyterLab), rich display (no widget front end)
and text (plain scripts). ipywidgets, IPython.display and matplotlib are imported lazily.
"""

import base64
import html
import sys
import time

from . import _kernel
from ._history import format_duration, format_value


class Throttle:
    """Decide when to redraw so that redraws take at most ``budget`` of the wall time.

    A token bucket: time for redrawing accrues at ``budget`` seconds per second, up to
    ``capacity`` seconds; each redraw spends its own duration. A redraw is due when at least
    ``min_interval`` seconds passed since the previous one and the bucket is not in debt, so a
    slow redraw delays the next ones in proportion. The first redraw is due at once. The
    one-time warm-up of matplotlib in a fresh process (imports, font cache) is not charged:
    :meth:`run` takes ``warmup=True`` for it.
    """

    def __init__(self, budget=0.03, min_interval=0.25, capacity=0.05, clock=time.perf_counter):
        self.budget = budget
        self.min_interval = min_interval
        self.capacity = capacity
        self.clock = clock
        self.tokens = capacity
        self.updated = clock()
        self.last = None
        self.count = 0
        self.total_cost = 0.0
        self.uncharged = 0.0

    def _tokens(self, now):
        return min(self.capacity, self.tokens + self.budget * (now - self.updated))

    def due(self):
        if self.last is None:
            return True
        now = self.clock()
        return now - self.last >= self.min_interval and self._tokens(now) >= 0

    def run(self, action, warmup=False):
        begin = self.clock()
        try:
            action()
        finally:
            end = self.clock()
            cost = end - begin
            self.count += 1
            self.tokens = self._tokens(begin)
            if warmup:
                self.uncharged += cost
            else:
                self.total_cost += cost
                self.tokens -= cost
            self.updated = end
            self.last = end


def make_view(monitor, mode):
    """Return a view for ``mode`` ("auto", "widget", "display" or "text")."""
    if mode == "auto":
        mode = "widget" if _kernel.kernel_shell() is not None else "text"
    if mode == "widget":
        return WidgetView(monitor)
    if mode == "display":
        return DisplayView(monitor)
    return TextView(monitor)


def summary_line(monitor):
    """One line: step, latest metric values, info values, progress, elapsed time."""
    parts = []
    step = None
    for name, history in monitor._histories.items():
        if history.records:
            last = history.records[-1]
            step = last[0] if step is None else max(step, last[0])
            parts.append(f"{name} {format_value(last[1])}")
    head = f"{monitor.x_label} {step}" if step is not None else monitor.x_label + " -"
    for name, values in monitor._info_values.items():
        if values:
            parts.append(f"{name} {format_value(values[-1])}")
    parts.append(f"{monitor.progress:.0f}%")
    parts.append(format_duration(monitor.elapsed_time))
    if monitor.status:
        parts.append(monitor.status)
    return " | ".join([head] + parts)


def alert_text(monitor, limit=2):
    alerts = monitor.alerts
    if not alerts:
        return ""
    latest = sorted(alerts, key=lambda a: a.step)[-limit:]
    more = len(alerts) - len(latest)
    text = "; ".join(a.message for a in latest)
    return text + (f" (+{more} more, see monitor.alerts)" if more > 0 else "")


def notes_html(monitor):
    """The notes (harmless, recognised patterns) and what the gradient panel leaves out, as
    grey HTML lines, or ""."""
    notes = monitor.notes
    messages = [n.message for n in notes[:2]]
    if len(notes) > 2:
        # Usually the same cause for every layer: name the others instead of repeating it.
        others = ", ".join(n.name for n in notes[2:])
        messages.append(f"Likewise zero by construction: {others} (see monitor.notes).")
    if monitor.gradient_history.num_records:
        from ._render import omitted_note

        omitted = omitted_note(monitor.gradient_history)
        if omitted:
            messages.append(omitted)
    if not messages:
        return ""
    lines = "".join(f"<div>&#8505; {html.escape(m)}</div>" for m in messages)
    return f"<div class='dl-monitor-notes' style='color:#555;font-size:12px'>{lines}</div>"


class _View:
    """Shared logic: dirty flags, throttled redraws at iteration boundaries, end of the cell.

    A view redraws (when its throttle allows) only where an iteration is complete: a new step
    recorded, ``progress`` or ``status`` set, ``stop`` read by the loop. It hooks the end of
    the cell in which the monitor changed; at that end it draws the last frame, stops the
    monitor's clock and unhooks itself, so that later cells never redraw it (a later update
    hooks it again).
    """

    draws_figures = False

    def __init__(self, monitor, budget=0.03, min_interval=0.25):
        self.monitor = monitor
        self.dirty = set()
        self.throttle = Throttle(budget=budget, min_interval=min_interval, clock=monitor._time)
        self.closed = False
        self.shell = _kernel.any_shell()  # looked up once: it is not cheap
        self.attached = False
        self.attach()

    # -- the end of the cell --------------------------------------------------------------
    def attach(self):
        """Hook the end of the running cell (IPython's post_run_cell), once."""
        if self.attached or self.closed or self.shell is None:
            return
        self.shell.events.register("post_run_cell", self._post_run_cell)
        self.attached = True

    def detach(self):
        if self.attached:
            try:
                self.shell.events.unregister("post_run_cell", self._post_run_cell)
            except ValueError:
                pass
            self.attached = False

    def _post_run_cell(self, result=None):
        try:
            self.detach()
            self.monitor._loop_ended()
            self.cell_finished()
        except Exception:  # a view must never break the user's next cell
            pass

    # -- updates ----------------------------------------------------------------------------
    def changed(self, what):
        self.attach()
        self.dirty.add(what)
        if what == "stop":
            self.stop_changed()  # cheap; the figures wait for their turn
        elif what == "progress" and self.monitor.progress >= 100 and self.shell is None:
            # Done, and no cell end will draw the final frame (a plain script): draw it now.
            self.refresh()
        elif what in ("progress", "status"):
            self.refresh_if_due()

    def iteration_done(self):
        self.refresh_if_due()

    def poll(self):
        self.attach()
        self.refresh_if_due()

    def refresh_if_due(self):
        if self.dirty and not self.closed and self.throttle.due():
            self.refresh()

    def refresh(self):
        dirty, self.dirty = self.dirty, set()
        self.throttle.run(lambda: self.draw(dirty))

    def flush(self):
        if self.dirty and not self.closed:
            self.refresh()

    def cell_finished(self):
        self.flush()

    def stop_changed(self):
        pass

    def close(self):
        self.closed = True
        self.detach()


class TextView(_View):
    """Concise text lines on stderr, at most one every two seconds (plus alerts and stops).

    Each line is printed where an iteration is complete, so it shows that iteration's
    metrics and info together.
    """

    def __init__(self, monitor, stream=None):
        super().__init__(monitor, budget=0.01, min_interval=2.0)
        self.stream = stream
        self.printed = set()

    def show(self):
        self.dirty.add("show")

    def _write(self, line):
        stream = self.stream if self.stream is not None else sys.stderr
        print(line, file=stream, flush=True)

    def _print_flags(self):
        flags = [("warning", a.kind, a.name, a.message) for a in self.monitor.alerts]
        flags += [("note", "note", n.name, n.message) for n in self.monitor.notes]
        for label, kind, name, message in flags:
            if (kind, name) not in self.printed:
                self.printed.add((kind, name))
                self._write(f"{label}: {message}")

    def changed(self, what):
        self.attach()
        self.dirty.add(what)
        self._print_flags()
        monitor = self.monitor
        over = monitor.progress >= 100 or monitor._stop
        if what == "stop" or (what == "progress" and monitor.progress >= 100) \
                or (what == "status" and over):
            self.refresh()
        elif what in ("progress", "status"):
            self.refresh_if_due()

    def draw(self, dirty):
        self._print_flags()
        line = summary_line(self.monitor)
        if "stop" in dirty and self.monitor._stop:
            line += " | stop requested"
        self._write(line)


class _Rendered(_View):
    """A view that draws figures (metrics, gradients, images) to PNG."""

    draws_figures = True

    def __init__(self, monitor, **kw):
        kw.setdefault("budget", monitor.redraw_budget)
        super().__init__(monitor, **kw)
        from ._render import GradientRenderer, MetricsRenderer

        self.metrics_renderer = MetricsRenderer()
        self.gradient_renderer = GradientRenderer()
        self.pngs = {"metrics": None, "gradients": None, "images": None}
        self.frames = 0

    def _first_render(self):
        """Draw every panel once, through the throttle. The first figure of the process also
        imports matplotlib and loads its fonts (about a second, once): that is not charged
        against the redraw budget; later monitors' first frames are."""
        dirty, self.dirty = self.dirty | {"metrics", "gradients", "images"}, set()
        cold = "matplotlib.backends.backend_agg" not in sys.modules
        self.throttle.run(lambda: self.render(dirty), warmup=cold)

    def render(self, dirty):
        from ._render import images_png

        monitor = self.monitor
        if "metrics" in dirty or self.pngs["metrics"] is None:
            self.pngs["metrics"] = self.metrics_renderer.render(monitor)
        if "gradients" in dirty and monitor.gradient_history.num_records:
            self.pngs["gradients"] = self.gradient_renderer.render(monitor)
        if "images" in dirty and monitor.images is not None:
            self.pngs["images"] = images_png(monitor.images[0])
        self.frames += 1

    def html(self):
        """A self-contained HTML snapshot (used where widgets cannot be shown)."""
        monitor = self.monitor
        esc = html.escape
        rows = "".join(
            f"<tr><td style='padding:1px 8px 1px 0'><b>{esc(name)}</b></td>"
            f"<td>{esc(format_value(values[-1])) if values else ''}</td></tr>"
            for name, values in monitor._info_values.items())
        images = []
        for key in ("metrics", "gradients", "images"):
            png = self.pngs[key]
            if png is not None:
                data = base64.b64encode(png).decode("ascii")
                images.append(f"<img src='data:image/png;base64,{data}' "
                              f"alt='{key}' style='max-width:100%'/>")
        title = monitor.images[1] if monitor.images is not None and monitor.images[1] else ""
        alerts = alert_text(monitor)
        return (
            "<div class='dl-monitor' style='font-family:sans-serif;font-size:13px'>"
            f"<div><progress value='{monitor.progress:.1f}' max='100' style='width:40%'>"
            f"</progress> {monitor.progress:.0f}% &nbsp; elapsed "
            f"{format_duration(monitor.elapsed_time)}"
            f"{' &nbsp; <b>stopped</b>' if monitor._stop else ''}</div>"
            f"<div>{esc(monitor.status)}"
            f"{(' <span style=color:#b00>&#9888; ' + esc(alerts) + '</span>') if alerts else ''}"
            f"</div>"
            f"<table style='font-size:12px'>{rows}</table>"
            f"{images[0] if images else ''}{''.join(images[1:-1]) if len(images) > 2 else ''}"
            f"{notes_html(monitor)}"
            f"{('<div>' + esc(title) + '</div>') if title else ''}"
            f"{images[-1] if len(images) > 1 else ''}"
            "</div>")

    def bundle(self, widget=None):
        """The display bundle: HTML snapshot, one text line, and the widget view if given."""
        data = {"text/html": self.html(), "text/plain": summary_line(self.monitor)}
        if widget is not None:
            key = "application/vnd.jupyter.widget-view+json"
            data[key] = widget._repr_mimebundle_()[key]
        return data


class DisplayView(_Rendered):
    """A rich display (HTML with PNG plots) updated in place through a display handle."""

    def __init__(self, monitor):
        super().__init__(monitor, min_interval=1.0)
        self.handle = None

    def show(self):
        from IPython.display import display

        self._first_render()
        self.handle = display(self.bundle(), raw=True, display_id=True)

    def draw(self, dirty):
        self.render(dirty)
        if self.handle is not None:
            self.handle.update(self.bundle(), raw=True)


class WidgetView(_Rendered):
    """One compact ipywidgets layout; falls back to display updates without a widget front end.

    The root widget counts its front-end views (``_view_count``). While none was reported
    for ``grace`` seconds after showing, the view also updates its display handle, whose
    bundle carries the widget *and* an HTML snapshot, so that nbclient, docs builds and
    front ends without widgets show the latest state, and a widget front end that was just
    slow to report still shows the widget.
    """

    grace = 3.0
    pump_interval = 0.05

    def __init__(self, monitor):
        super().__init__(monitor)
        import ipywidgets as W

        self.pump = _kernel.get_pump()
        self.live = False  # a loop in the running cell reads monitor.stop
        self.accepting_clicks = True
        self.handle = None
        self.shown_at = None
        self.seen_widget = False
        self.last_pump = -float("inf")
        compact = W.Layout(margin="0 6px 0 0")
        self.bar = W.FloatProgress(value=monitor.progress, min=0, max=100,
                                   layout=W.Layout(width="260px", margin="0 6px 0 0"))
        self.bar_text = W.HTML(layout=compact)
        self.elapsed = W.HTML(layout=compact)
        self.button = W.Button(description="Stop", icon="stop", button_style="danger",
                               tooltip="End the training loop (monitor.stop becomes True)",
                               layout=W.Layout(width="90px"))
        self.button.on_click(self._clicked)
        self.status = W.HTML(layout=W.Layout(margin="2px 0"))
        # Images get their PNG's own pixel width (a flex column would stretch them to the
        # full width, e.g. a 336 px sample grid to about 800 px tall).
        self.metrics_image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.info = W.HTML(layout=W.Layout(margin="4px 0 0 12px", min_width="140px"))
        self.gradients_image = W.Image(format="png",
                                       layout=W.Layout(max_width="100%", display="none"))
        self.notes = W.HTML(layout=W.Layout(display="none"))
        self.images_title = W.HTML()
        self.images_image = W.Image(format="png", layout=W.Layout(max_width="100%"))
        self.images_box = W.VBox([self.images_title, self.images_image],
                                 layout=W.Layout(display="none", align_items="flex-start"))
        header = W.HBox([self.bar, self.bar_text, self.elapsed, self.button],
                        layout=W.Layout(align_items="center"))
        body = W.HBox([self.metrics_image, self.info], layout=W.Layout(align_items="flex-start"))
        self.root = W.VBox([header, self.status, body, self.gradients_image, self.notes,
                            self.images_box],
                           layout=W.Layout(border="1px solid #ddd", padding="6px",
                                           max_width="980px", align_items="flex-start"))
        self.root.add_class("dl-monitor-root")
        self.button.add_class("dl-monitor-stop")
        self.metrics_image.add_class("dl-monitor-metrics")
        self.root._view_count = 0
        self._update_text()

    # -- front-end detection ------------------------------------------------------------
    @property
    def front_end(self):
        """"widget" once a widget view was reported, "none" after the grace period, else
        "unknown"."""
        if self.root._view_count:
            self.seen_widget = True
        if self.seen_widget:
            return "widget"
        if self.shown_at is not None and self.monitor._time() - self.shown_at > self.grace:
            return "none"
        return "unknown"

    def show(self):
        from IPython.display import display

        self._first_render()
        self._push_images()
        bundle = self.bundle(self.root)
        self.handle = display(bundle, raw=True, display_id=True)
        self.shown_at = self.monitor._time()

    # -- updates ------------------------------------------------------------------------------
    def poll(self):
        self.attach()
        if self.pump is not None:
            now = self.monitor._time()
            if now - self.last_pump >= self.pump_interval:
                self.pump.pump()
                self.last_pump = self.monitor._time()
        if not self.live:
            # A loop reads monitor.stop: (again) a running loop that the button can end.
            self.live = True
            self.accepting_clicks = True
            if not self.monitor._stop:
                self.button.disabled = False
                self.button.layout.display = None
        if not self.monitor._stop:  # once stopped, the loop ends: draw after the cell
            self.refresh_if_due()

    def draw(self, dirty):
        heavy = dirty & {"metrics", "gradients", "images"}
        if heavy:
            self.render(heavy)
        with self.root.hold_sync():
            if heavy:
                self._push_images()
            self._update_text()
        if self.handle is not None and self.front_end == "none":
            self.handle.update(self.bundle(self.root), raw=True)

    @staticmethod
    def _set_image(image, png):
        from .figures import png_size

        image.value = png
        image.layout.width = f"{png_size(png)[0]}px"

    def _push_images(self):
        if self.pngs["metrics"] is not None:
            self._set_image(self.metrics_image, self.pngs["metrics"])
        if self.pngs["gradients"] is not None:
            self._set_image(self.gradients_image, self.pngs["gradients"])
            self.gradients_image.layout.display = None
        if self.pngs["images"] is not None:
            self._set_image(self.images_image, self.pngs["images"])
            title = self.monitor.images[1]
            self.images_title.value = f"<b>{html.escape(title)}</b>" if title else ""
            self.images_box.layout.display = None

    def _update_text(self):
        monitor = self.monitor
        self.bar.value = monitor.progress
        self.bar_text.value = f"<b>{monitor.progress:.0f}%</b>"
        self.elapsed.value = f"elapsed {format_duration(monitor.elapsed_time)}"
        status = html.escape(monitor.status)
        if monitor._stop:
            status = (status + " &mdash; " if status else "") + "<b>stop requested</b>"
        alerts = alert_text(monitor)
        if alerts:
            status += f" <span style='color:#b00000'>&#9888; {html.escape(alerts)}</span>"
        self.status.value = status or "&nbsp;"
        rows = "".join(
            f"<tr><td style='padding:1px 10px 1px 0;color:#444'>{html.escape(name)}</td>"
            f"<td style='font-family:monospace'>"
            f"{html.escape(format_value(values[-1])) if values else '&ndash;'}</td></tr>"
            for name, values in monitor._info_values.items())
        self.info.value = f"<table style='font-size:13px'>{rows}</table>" if rows else ""
        notes = notes_html(monitor)
        self.notes.value = notes
        self.notes.layout.display = None if notes else "none"

    def stop_changed(self):
        self.button.disabled = True
        self.button.description = "Stopped"
        self._update_text()

    def _clicked(self, _button=None):
        if self.accepting_clicks:
            self.monitor._on_stop_clicked()

    def cell_finished(self):
        if self.pump is not None and self.front_end == "unknown":
            self.pump.pump()
        self.live = False
        monitor = self.monitor
        if self.pump is not None or monitor.progress >= 100 or monitor._stop:
            # The loop is over: the button goes, and a click arriving now must not stop
            # the next run. Without a pump a click made during the loop arrives only now,
            # so the button stays for a loop that continues in a later cell.
            self.accepting_clicks = self.pump is None
            self.button.disabled = True
            self.button.layout.display = "none"
        if self.front_end == "widget" and self.pump is not None:
            # Draw the final frame right after the cell has replied, so that a Stop click
            # ends the cell without waiting for the figure.
            self.pump.kernel.io_loop.add_callback(self.flush)
            return
        self.flush()
        if self.handle is not None and self.front_end != "widget":
            self.handle.update(self.bundle(self.root), raw=True)

    def close(self):
        super().close()
        for widget in (self.bar, self.bar_text, self.elapsed, self.button, self.status,
                       self.metrics_image, self.info, self.gradients_image, self.notes,
                       self.images_title, self.images_image, self.images_box, self.root):
            widget.close()
