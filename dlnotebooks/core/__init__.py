"""dlarray and format labels. Imports nothing else from the package."""

from ._formats import LABELS, canonical_permutation, parse_format, user_order
from .dlarray import dims, dlarray, extractdata, finddim, isdlarray, stripdims

__all__ = ["dlarray", "dims", "finddim", "stripdims", "extractdata", "isdlarray"]
