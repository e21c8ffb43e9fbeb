"""Draw the monitor's model to PNG bytes with matplotlib's Figure + Agg canvas (no pyplot).

Each renderer keeps its Figure and only rebuilds axes when the panel layout changes, so a
redraw costs a few tens of milliseconds. matplotlib is imported here, lazily, by the views.
"""

import io
import math

import numpy as np

# COLORS and STYLES are also imported from here by widget modules (to move to .figures).
from .figures import COLORS, STYLES, figure_png, line_style, new_figure  # noqa: F401

MAX_POINTS = 1500


def _thin(steps, values, limit=MAX_POINTS):
    """Keep at most ``limit`` evenly strided points, always including the last one."""
    n = steps.size
    if n <= limit:
        return steps, values
    index = np.unique(np.r_[np.linspace(0, n - 1, limit).astype(int), n - 1])
    return steps[index], values[index]


def _finite(values):
    out = np.array(values, dtype=float)
    out[~np.isfinite(out)] = np.nan
    return out


def _apply_scale(ax, scale, values):
    """Set the y scale; log only when there is positive data (else matplotlib warns).

    Minor ticks and their labels are the most expensive part of a redraw, so they are off,
    and a log axis spanning few decades gets 1-2-5 or evenly spaced, plainly labelled ticks.
    """
    from matplotlib.ticker import (FuncFormatter, LogFormatterSciNotation, LogLocator,
                                   MaxNLocator, NullFormatter, NullLocator, ScalarFormatter)

    finite = values[np.isfinite(values)] if values.size else values
    positive = finite[finite > 0] if finite.size else finite
    wanted = "log" if scale == "log" and positive.size else "linear"
    if ax.get_yscale() != wanted:
        ax.set_yscale(wanted)
    if wanted == "log":
        decades = np.log10(positive.max() / positive.min()) if positive.size else 0.0
        plain = FuncFormatter(lambda v, _: f"{v:.3g}")
        if decades < 1:
            # Too narrow for decade ticks: a few evenly spaced, plainly labelled ticks.
            ax.yaxis.set_major_locator(MaxNLocator(4))
            ax.yaxis.set_major_formatter(plain)
        elif decades < 3:
            ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0), numticks=12))
            ax.yaxis.set_major_formatter(plain)
        else:
            ax.yaxis.set_major_locator(LogLocator(numticks=6))
            ax.yaxis.set_major_formatter(LogFormatterSciNotation())
    else:
        ax.yaxis.set_major_locator(MaxNLocator(5))
        ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.xaxis.set_major_locator(MaxNLocator(5, integer=True))


def _margins(fig, rows, columns, left=0.8, right=0.15, top=0.3, bottom=0.5, wspace=0.8,
             hspace=0.7):
    """Fixed margins in inches (a layout engine would cost more than the drawing)."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height,
                        bottom=bottom / height,
                        wspace=wspace / ((width - left - right) / columns),
                        hspace=hspace / ((height - top - bottom) / rows))


class MetricsRenderer:
    """Metric subplots side by side (up to three per row), one line per metric."""

    def __init__(self):
        self.fig = None
        self._key = None
        self._axes = []
        self._lines = {}

    def render(self, monitor):
        panels = monitor.subplots()
        key = tuple((title, members) for title, members, _ in panels)
        if key != self._key:
            self._build(panels)
            self._key = key
        data = monitor.metric_data
        for ax, (title, members, scale) in zip(self._axes, panels):
            everything = []
            for metric in members:
                steps, values = _thin(*data[metric])
                values = _finite(values)
                self._lines[metric].set_data(steps, values)
                self._lines[metric].set_marker("o" if steps.size < 30 else "")
                everything.append(values)
            stacked = np.concatenate(everything) if everything else np.zeros(0)
            has_data = bool(stacked.size and np.any(np.isfinite(stacked)))
            self._placeholders[title].set_visible(not has_data)
            _apply_scale(ax, scale if has_data else "linear", stacked)
            ax.set_xlabel(monitor.x_label)
            if has_data:
                ax.set_autoscale_on(True)  # set_xlim for the placeholder turned it off
                ax.relim()
                ax.autoscale_view()
            else:
                ax.set_xlim(0, 1)
                ax.set_ylim(0, 1)
        return figure_png(self.fig)

    def _build(self, panels):
        count = max(1, len(panels))
        columns = min(count, 3)
        rows = math.ceil(count / columns)
        width = 3.4 * columns if columns > 1 else 6.0
        self.fig = new_figure(width, 2.6 * rows)
        _margins(self.fig, rows, columns)
        self._axes, self._lines, self._placeholders = [], {}, {}
        for index, (title, members, _scale) in enumerate(panels):
            ax = self.fig.add_subplot(rows, columns, index + 1)
            self._placeholders[title] = ax.text(0.5, 0.5, "waiting for data", color="0.5",
                                                ha="center", va="center", fontsize=9,
                                                transform=ax.transAxes)
            ax.set_title(title, fontsize=10)
            ax.grid(True, alpha=0.3)
            ax.tick_params(labelsize=8)
            for k, metric in enumerate(members):
                color, style = line_style(k)
                (line,) = ax.plot([], [], color=color, linestyle=style, linewidth=1.4,
                                  markersize=3, label=metric)
                self._lines[metric] = line
            if len(members) > 1:
                ax.legend(fontsize=8, loc="best")
            self._axes.append(ax)


MAX_LAYERS = 32  # = 8 colours x 4 line styles, all distinct
MAX_ROWS = 24  # distribution rows; more would make the panel taller than a screen


def omitted_note(history):
    """The text naming what the gradient panel leaves out ("" when everything is shown)."""
    layers, paths = list(history.layers), list(history.norms)
    parts = []
    if len(layers) > MAX_LAYERS:
        parts.append(f"{len(layers) - MAX_LAYERS} more layers without a line "
                     f"({', '.join(layers[MAX_LAYERS:MAX_LAYERS + 3])}"
                     f"{', ...' if len(layers) > MAX_LAYERS + 3 else ''})")
    if len(paths) > MAX_ROWS:
        parts.append(f"{len(paths) - MAX_ROWS} more parameters without a distribution row "
                     f"({', '.join(paths[MAX_ROWS:MAX_ROWS + 3])}"
                     f"{', ...' if len(paths) > MAX_ROWS + 3 else ''})")
    if not parts:
        return ""
    return "Gradient panel, not shown: " + "; ".join(parts) + \
        ". All are in monitor.gradient_history."


class GradientRenderer:
    """Gradient norm per layer over steps (log scale) and the latest per-parameter distributions.

    One line per layer (its parameters' norms combined), each with its own colour and line
    style; one distribution row per parameter. What does not fit (more than
    ``MAX_LAYERS`` lines or ``MAX_ROWS`` rows) is named by :func:`omitted_note`, which the
    views show under the panel: nothing is dropped silently. The figure and its artists are
    built once per set of parameters and then only updated.
    """

    def __init__(self):
        self.fig = None
        self._key = None

    def _build(self, layers, rows):
        # A legend of more than four layers goes under the plot (inside it would hide lines).
        legend_rows = math.ceil(len(layers) / 3) if len(layers) > 4 else 0
        below = 0.75 + 0.17 * legend_rows  # inches under the axes: labels, then the legend
        height = max(2.8, 0.22 * len(rows) + 0.8) + below
        self.fig = fig = new_figure(9.0, height)
        self.left, self.right = fig.subplots(1, 2, width_ratios=(1.3, 1.0))
        longest = max((len(p) for p in rows), default=4)
        _margins(fig, 1, 2, left=0.85, bottom=below, wspace=0.3 + 0.065 * longest)
        left, right = self.left, self.right
        self.norm_lines = {}
        for k, layer in enumerate(layers):
            color, style = line_style(k)
            (self.norm_lines[layer],) = left.plot([], [], color=color, linestyle=style,
                                                  linewidth=1.2, markersize=3, label=layer)
        self.threshold_line = left.axhline(1.0, color="0.4", linestyle=":", linewidth=1)
        left.set_title("Gradient norm per layer", fontsize=10)
        left.set_ylabel("L2 norm of the layer's gradient", fontsize=8)
        left.grid(True, alpha=0.3)
        left.tick_params(labelsize=8)
        if legend_rows:
            left.legend(fontsize=7, loc="upper center", ncol=3, frameon=False,
                        bbox_to_anchor=(0.5, -0.6 / (height - below - 0.3)),
                        borderaxespad=0.0, handlelength=2.5)
        elif layers:
            left.legend(fontsize=7, loc="best", handlelength=2.5)
        self.boxes = {}
        for row, path in enumerate(reversed(rows)):
            (whisker,) = right.plot([], [], color="0.35", linewidth=1)
            (box,) = right.plot([], [], color=COLORS[0], linewidth=7, solid_capstyle="butt")
            (median,) = right.plot([], [], marker="|", color="black", markersize=11,
                                   markeredgewidth=2, linestyle="none")
            self.boxes[path] = (row, whisker, box, median)
        right.set_yticks(range(len(rows)), list(reversed(rows)))
        right.set_ylim(-0.6, max(len(rows), 1) - 0.4)
        right.set_xlabel("log10 |gradient entry|\nbox 25-75 %, whiskers 5-95 %", fontsize=8)
        right.tick_params(labelsize=7)
        right.grid(True, axis="x", alpha=0.3)

    def render(self, monitor):
        history = monitor.gradient_history
        layers = list(history.layers)[:MAX_LAYERS]
        rows = list(history.norms)[:MAX_ROWS]
        key = (tuple(layers), tuple(rows))
        if key != self._key:
            self._build(layers, rows)
            self._key = key
        left, right = self.left, self.right
        all_norms = []
        for layer in layers:
            steps, norms = _thin(*history.layer_arrays(layer))
            norms = _finite(norms)
            all_norms.append(norms)
            self.norm_lines[layer].set_data(steps, norms)
            self.norm_lines[layer].set_marker("o" if steps.size < 30 else "")
        stacked = np.concatenate(all_norms) if all_norms else np.zeros(0)
        _apply_scale(left, "log", stacked)
        threshold = monitor.vanishing_threshold
        finite = stacked[np.isfinite(stacked)]
        show_threshold = (left.get_yscale() == "log" and finite.size > 0
                          and np.min(finite) < 100 * threshold)
        self.threshold_line.set_ydata([threshold, threshold])
        self.threshold_line.set_visible(bool(show_threshold))
        self.threshold_line.set_in_layout(bool(show_threshold))
        left.set_xlabel(monitor.x_label)
        if finite.size:
            left.relim(visible_only=True)
            left.autoscale_view()
        low, high = np.inf, -np.inf
        for path in rows:
            row, whisker, box, median = self.boxes[path]
            sample = history.latest.get(path)
            positive = sample[sample > 0] if sample is not None else np.zeros(0)
            if not positive.size:
                for artist in (whisker, box, median):
                    artist.set_data([], [])
                continue
            p5, p25, p50, p75, p95 = np.percentile(np.log10(positive), (5, 25, 50, 75, 95))
            whisker.set_data([p5, p95], [row, row])
            box.set_data([p25, p75], [row, row])
            median.set_data([p50], [row])
            low, high = min(low, p5), max(high, p95)
        if np.isfinite(low):
            pad = max(0.5, 0.08 * (high - low))
            right.set_xlim(low - pad, high + pad)
        right.set_title(f"|gradient| at {monitor.x_label.lower()} {history.latest_step}",
                        fontsize=10)
        return figure_png(self.fig)


def montage(images, max_images=64):
    """Tile ``(H, W, C, N)`` images into one ``(rows*H, cols*W, C)`` array in [0, 1]."""
    images = images[..., :max_images]
    height, width, channels, count = images.shape
    low, high = np.nanmin(images), np.nanmax(images)
    if low < 0 or high > 1:
        span = high - low if high > low else 1.0
        images = (images - low) / span
    images = np.clip(np.nan_to_num(images), 0, 1)
    columns = math.ceil(math.sqrt(count))
    rows = math.ceil(count / columns)
    pad = 1
    grid = np.ones(((height + pad) * rows - pad, (width + pad) * columns - pad, channels))
    for n in range(count):
        r, c = divmod(n, columns)
        grid[r * (height + pad):r * (height + pad) + height,
             c * (width + pad):c * (width + pad) + width, :] = images[:, :, :, n]
    return grid


def images_png(images, target=300, limit=400):
    """Encode a montage of ``(H, W, C, N)`` images as PNG, enlarged by a whole factor.

    Small images (16 x 16 digits) are enlarged so that the montage's longer side is about
    ``target`` pixels, by an integer factor so that pixels stay sharp; the montage is never
    enlarged beyond ``limit`` pixels on either side, and never shrunk.
    """
    from matplotlib.image import imsave

    grid = montage(images)
    longer = max(grid.shape[0], grid.shape[1])
    scale = max(1, min(8, round(target / longer), limit // longer))
    grid = np.repeat(np.repeat(grid, scale, axis=0), scale, axis=1)
    buffer = io.BytesIO()
    if grid.shape[2] == 1:
        imsave(buffer, grid[:, :, 0], format="png", cmap="gray", vmin=0, vmax=1)
    else:
        imsave(buffer, grid, format="png")
    return buffer.getvalue()
