"""Figures without pyplot: what the monitor and the widgets draw with.

A figure made here is a ``matplotlib.figure.Figure`` on an Agg canvas. It is never registered
with pyplot, so matplotlib-inline cannot display or close it behind the caller's back (it
does that to every pyplot figure when a widget message is handled while a cell runs), and
nothing leaks into ``plt``. matplotlib is imported when a function here is first called.
"""

import io

from .._checks import describe, fail

__all__ = ["new_figure", "figure_png", "png_size", "COLORS", "STYLES", "line_style"]

#: Okabe-Ito colours (readable by colour-blind readers), in the order lines get them.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
          "#F0E442")
#: Line styles, so that lines can be told apart in greyscale too.
STYLES = ("-", "--", "-.", ":")

#: Dots per inch of every figure the monitor and the widgets draw (80: crisp at 100 % zoom
#: and small enough to send many frames a second).
DPI = 80


def new_figure(width, height, dpi=DPI):
    """Return a matplotlib Figure on an Agg canvas, not registered with pyplot.

    Parameters
    ----------
    width, height : float
        Size in inches.
    dpi : float, default 80
        Dots per inch; the PNG from :func:`figure_png` is ``width * dpi`` pixels wide.

    Returns
    -------
    matplotlib.figure.Figure
        A figure without axes; add them with ``fig.add_subplot`` or ``fig.subplots``.

    Examples
    --------
    >>> from dlnotebooks.monitor.figures import new_figure, figure_png, png_size
    >>> fig = new_figure(2, 1)
    >>> png_size(figure_png(fig))
    (160, 80)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=dpi, layout=None)
    FigureCanvasAgg(fig)
    return fig


def figure_png(fig):
    """Return the figure drawn as PNG bytes (at the figure's own size and dpi).

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure from :func:`new_figure` (or any figure with an Agg canvas).

    Returns
    -------
    bytes
        The PNG file's content.
    """
    buffer = io.BytesIO()
    fig.canvas.print_png(buffer)
    return buffer.getvalue()


def png_size(png):
    """Return ``(width, height)`` in pixels of PNG bytes, read from the PNG header.

    Parameters
    ----------
    png : bytes
        The content of a PNG file.

    Returns
    -------
    tuple of int
        ``(width, height)``.

    Raises
    ------
    ValueError
        If ``png`` does not start with a PNG header.
    """
    if not isinstance(png, (bytes, bytearray)) or bytes(png[:8]) != b"\x89PNG\r\n\x1a\n":
        raise fail("png_size", "png", "must be the bytes of a PNG file", describe(png))
    data = bytes(png[16:24])
    return int.from_bytes(data[:4], "big"), int.from_bytes(data[4:], "big")


def line_style(index):
    """Return ``(colour, linestyle)`` for the ``index``-th line of a plot.

    The first eight lines get the eight colours with solid lines, the next eight the same
    colours dashed, and so on: the first 32 lines all differ in colour or style (or both).

    Parameters
    ----------
    index : int
        0-based position of the line in its legend.

    Returns
    -------
    tuple of str
        ``(colour, linestyle)``, e.g. ``("#0072B2", "-")``.

    Examples
    --------
    >>> from dlnotebooks.monitor.figures import line_style
    >>> line_style(0), line_style(8)
    (('#0072B2', '-'), ('#0072B2', '--'))
    """
    return COLORS[index % len(COLORS)], STYLES[(index // len(COLORS)) % len(STYLES)]
