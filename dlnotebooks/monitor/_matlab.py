"""MATLAB's function-call forms of the monitor's methods: ``recordMetrics(monitor, ...)``."""

from .._checks import describe, fail
from .monitor import TrainingProgressMonitor

__all__ = ["recordMetrics", "updateInfo", "groupSubPlot", "yscale"]


def _monitor(func, monitor):
    if not isinstance(monitor, TrainingProgressMonitor):
        raise fail(func, "monitor", "must be a TrainingProgressMonitor", describe(monitor),
                   "Create one with monitor = dl.TrainingProgressMonitor(metrics=...).",
                   cls=TypeError)
    return monitor


def recordMetrics(monitor, step, values=None, /, **metrics):
    """MATLAB's ``recordMetrics(monitor, step, Name=value)``: see
    :meth:`TrainingProgressMonitor.record_metrics`.

    Parameters
    ----------
    monitor : TrainingProgressMonitor
    step : int or float
    values : dict, optional
        MATLAB's struct form.
    **metrics : scalar

    Returns
    -------
    None

    Raises
    ------
    TypeError
        If ``monitor`` is not a TrainingProgressMonitor (and as ``record_metrics``).

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> monitor = dl.TrainingProgressMonitor(metrics=("Loss",))
    >>> dl.recordMetrics(monitor, 1, Loss=0.5)
    >>> monitor.metric_data["Loss"][1]
    array([0.5])
    """
    _monitor("recordMetrics", monitor).record_metrics(step, values, **metrics)


def updateInfo(monitor, values=None, /, **info):
    """MATLAB's ``updateInfo(monitor, Name=value)``: see
    :meth:`TrainingProgressMonitor.update_info`.

    Parameters
    ----------
    monitor : TrainingProgressMonitor
    values : dict, optional
        MATLAB's struct form.
    **info : any

    Returns
    -------
    None

    Raises
    ------
    TypeError
        If ``monitor`` is not a TrainingProgressMonitor (and as ``update_info``).

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> monitor = dl.TrainingProgressMonitor(info=("Epoch",))
    >>> dl.updateInfo(monitor, Epoch=2)
    >>> monitor.info_data
    {'Epoch': [2]}
    """
    _monitor("updateInfo", monitor).update_info(values, **info)


def groupSubPlot(monitor, name, metrics):
    """MATLAB's ``groupSubPlot(monitor, groupName, metricNames)``: see
    :meth:`TrainingProgressMonitor.group_subplot`.

    Parameters
    ----------
    monitor : TrainingProgressMonitor
    name : str
    metrics : str or sequence of str

    Returns
    -------
    None

    Raises
    ------
    TypeError
        If ``monitor`` is not a TrainingProgressMonitor (and as ``group_subplot``).

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> monitor = dl.TrainingProgressMonitor(metrics=("TrainLoss", "ValLoss"))
    >>> dl.groupSubPlot(monitor, "Loss", ["TrainLoss", "ValLoss"])
    >>> monitor.groups
    {'Loss': ('TrainLoss', 'ValLoss')}
    """
    _monitor("groupSubPlot", monitor).group_subplot(name, metrics)


def yscale(monitor, name, scale):
    """MATLAB's ``yscale(monitor, name, scale)``: see :meth:`TrainingProgressMonitor.yscale`.

    Parameters
    ----------
    monitor : TrainingProgressMonitor
    name : str
        A metric or a group.
    scale : {"linear", "log"}

    Returns
    -------
    None

    Raises
    ------
    TypeError
        If ``monitor`` is not a TrainingProgressMonitor (and as the method).

    Examples
    --------
    >>> import dlnotebooks as dl
    >>> monitor = dl.TrainingProgressMonitor()
    >>> dl.yscale(monitor, "Loss", "log")
    >>> monitor.scale_of("Loss")
    'log'
    """
    _monitor("yscale", monitor).yscale(name, scale)
