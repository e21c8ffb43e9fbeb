"""Embedding scatter: 2-D view of learned embeddings (Siamese / contrastive networks)."""

import numpy as np

from .._checks import describe, fail
from ..core import extractdata
from ._base import Explorer, new_figure

__all__ = ["project_embeddings", "EmbeddingScatter"]


def project_embeddings(embeddings):
    """Project ``(D, N)`` embeddings (features x observations) to 2-D with PCA.

    Parameters
    ----------
    embeddings : array or dlarray, shape (D, N)
        One column per observation (MATLAB's "CB" layout). D = 1 is padded with zeros;
        D = 2 is returned centred; larger D is projected on its two principal axes.

    Returns
    -------
    points : ndarray, shape (2, N)
    explained : ndarray, shape (2,)
        Fraction of the variance along each axis.

    Raises
    ------
    ValueError
        If ``embeddings`` is not 2-D with at least one observation, or not finite.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks.widgets import project_embeddings
    >>> points, explained = project_embeddings(np.random.default_rng(0).normal(size=(5, 40)))
    >>> points.shape, bool(explained.sum() <= 1)
    ((2, 40), True)
    """
    func = "project_embeddings"
    data = np.asarray(extractdata(embeddings) if hasattr(embeddings, "fmt") else embeddings,
                      dtype=np.float64)
    if data.ndim != 2 or data.shape[1] < 1:
        raise fail(func, "embeddings", "must have shape (D, N)", describe(embeddings),
                   "One column per observation, as returned for format 'CB'.")
    if not np.all(np.isfinite(data)):
        raise fail(func, "embeddings", "must be finite", "NaN or Inf values")
    centred = data - data.mean(axis=1, keepdims=True)
    total = float(np.sum(centred ** 2)) or 1.0
    if centred.shape[0] == 1:
        return np.vstack([centred, np.zeros_like(centred)]), np.array([1.0, 0.0])
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    axes = u[:, :2]
    points = axes.T @ centred
    # Sign convention: the largest-magnitude loading of each axis is positive (stable plots).
    signs = np.sign(axes[np.argmax(np.abs(axes), axis=0), [0, 1]])
    points = points * signs[:, None]
    explained = (s[:2] ** 2) / total
    return points, explained


class EmbeddingScatter(Explorer):
    """Scatter plot of embeddings coloured by label, updated in place with :meth:`update_data`.

    Parameters
    ----------
    embeddings : array or dlarray, shape (D, N)
    labels : array of int, shape (N,)
    names : sequence of str, optional
        Class names for the legend (default: the label values).
    title : str, default "embeddings"
        Figure title.

    Controls: ``highlight`` (a class to emphasise, or "all").

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks.widgets import EmbeddingScatter
    >>> rng = np.random.default_rng(0)
    >>> app = EmbeddingScatter(rng.normal(size=(8, 30)), rng.integers(0, 3, 30))
    >>> app.controls["highlight"].value = "1"
    >>> app.result["points"].shape
    (2, 30)
    """

    def __init__(self, embeddings, labels, names=None, title="embeddings"):
        self._set_data(embeddings, labels, names)
        self.title = title
        super().__init__()

    def _set_data(self, embeddings, labels, names):
        labels = np.asarray(extractdata(labels) if hasattr(labels, "fmt") else labels)
        data = np.asarray(extractdata(embeddings) if hasattr(embeddings, "fmt")
                          else embeddings)
        if labels.ndim != 1 or data.ndim != 2 or labels.shape[0] != data.shape[1]:
            raise fail("EmbeddingScatter", "labels", "must have one entry per column of "
                       "embeddings", f"{describe(labels)} for {describe(data)}")
        classes = [c.item() if hasattr(c, "item") else c for c in np.unique(labels)]
        if names is None:
            names = [str(c) for c in classes]
        elif len(names) != len(classes):
            raise fail("EmbeddingScatter", "names", f"must name each of the {len(classes)} "
                       "classes", f"{len(names)} names")
        self.embeddings, self.labels = data, labels
        self.classes, self.names = classes, list(names)

    def _controls(self):
        import ipywidgets as W

        return {"highlight": W.Dropdown(options=["all"] + self.names, value="all",
                                        description="highlight")}

    def update_data(self, embeddings, labels=None):
        """Replace the embeddings (e.g. after another training epoch) and redraw in place.

        Parameters
        ----------
        embeddings : array or dlarray, shape (D, N)
        labels : array of int, shape (N,), optional
            New labels; the current ones (and class names) are kept when None.

        Returns
        -------
        None
        """
        self._set_data(embeddings, self.labels if labels is None else labels,
                       self.names if labels is None else None)
        self.update()

    def _compute(self, highlight):
        points, explained = project_embeddings(self.embeddings)
        return {"points": points, "explained": explained, "highlight": highlight}

    def _draw(self, result):
        from ..monitor.figures import COLORS

        markers = "os^Dv<>pP*X"
        fig = new_figure(6.0, 4.4)
        fig.subplots_adjust(left=0.1, right=0.72, bottom=0.12, top=0.9)
        ax = fig.add_subplot()
        points = result["points"]
        for k, (cls, name) in enumerate(zip(self.classes, self.names)):
            mask = self.labels == cls
            dim = result["highlight"] not in ("all", name)
            ax.scatter(points[0, mask], points[1, mask], s=16,
                       color="0.8" if dim else COLORS[k % len(COLORS)],
                       marker=markers[k % len(markers)], label=name, zorder=1 if dim else 2,
                       edgecolors="none")
        e = result["explained"]
        ax.set_xlabel(f"PC 1 ({100 * e[0]:.0f}% of variance)")
        ax.set_ylabel(f"PC 2 ({100 * e[1]:.0f}%)")
        ax.set_title(self.title, fontsize=10)
        ax.grid(True, alpha=0.3)
        if len(self.classes) <= 20:
            ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
        ax.tick_params(labelsize=8)
        return fig
