"""dlarray and format labels. Imports nothing else from the package but ``_autograd``."""

from ._formats import LABELS, canonical_permutation, parse_format, user_order
from .dlarray import dlarray
from .queries import dims, extractdata, finddim, isdlarray, stripdims

__all__ = ["dlarray", "dims", "finddim", "stripdims", "extractdata", "isdlarray"]
