"""Interactive explorers used by the course (``dl.widgets``, loaded on first use).

Each explorer is a small ipywidgets app (controls on the left, a figure drawn with
matplotlib's Agg canvas on the right) whose computation is a plain function that can be
called and tested without any front end:

================================  ==========================================================
app                               computation
================================  ==========================================================
:class:`InitializationExplorer`   :func:`init_statistics` (initializer x depth x activation)
:class:`OptimizerExplorer`        :func:`optimizer_trajectory` on :data:`SURFACES`
:class:`ScheduleExplorer`         :func:`schedule_curve` (``dl.optim`` schedules)
:class:`EmbeddingScatter`         :func:`project_embeddings` (PCA of "CB" embeddings)
================================  ==========================================================

GAN sample grids and reconstructions are shown with
``TrainingProgressMonitor.show_images``. Display an app by leaving it as the last expression
of a cell; ``app.controls`` holds its controls and ``app.result`` its latest computed data.
"""

from .embedding import EmbeddingScatter, project_embeddings
from .initialization import ACTIVATIONS, INITIALIZERS, InitializationExplorer, init_statistics
from .optimizers import OPTIMIZERS, SURFACES, OptimizerExplorer, optimizer_trajectory, \
    surface_value
from .schedules import SCHEDULES, ScheduleExplorer, schedule_curve

__all__ = ["InitializationExplorer", "init_statistics", "INITIALIZERS", "ACTIVATIONS",
           "OptimizerExplorer", "optimizer_trajectory", "surface_value", "SURFACES",
           "OPTIMIZERS", "ScheduleExplorer", "schedule_curve", "SCHEDULES",
           "EmbeddingScatter", "project_embeddings"]
