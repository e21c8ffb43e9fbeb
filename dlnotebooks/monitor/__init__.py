"""Training progress monitor: MATLAB's ``trainingProgressMonitor`` for custom training loops.

The model (histories of metrics, info values, gradient statistics and timings) is plain
Python; the views (widget, in-place rich display, text) import ipywidgets and matplotlib only
when the monitor is first shown.

MATLAB's functions of the monitor are also here in MATLAB's function-call form
(``recordMetrics(monitor, ...)``, ``updateInfo``, ``groupSubPlot``, ``yscale``).
:mod:`dlnotebooks.monitor.figures` is the public drawing helper (pyplot-free figures to PNG)
that the widgets share.

Process-wide state: one, in ``_kernel``: the message pump of the running Jupyter kernel,
created by the first monitor shown in that kernel (there is one kernel per process, and
the pump swaps the kernel's receive callback while a cell runs and puts it back when the
cell ends), and a flag that its "unknown kernel layout" warning was given. Everything else
(views, throttles, clocks, cell-end hooks) belongs to a monitor and goes with it.
"""

from ._matlab import groupSubPlot, recordMetrics, updateInfo, yscale
from .monitor import TrainingProgressMonitor

__all__ = ["TrainingProgressMonitor", "recordMetrics", "updateInfo", "groupSubPlot", "yscale"]
