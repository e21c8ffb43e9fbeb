"""Training progress monitor: MATLAB's ``trainingProgressMonitor`` for custom training loops.

The model (histories of metrics, info values, gradient statistics and timings) is plain
Python; the views (widget, in-place rich display, text) import ipywidgets and matplotlib only
when the monitor is first shown.
"""

from .monitor import TrainingProgressMonitor

__all__ = ["TrainingProgressMonitor"]
