"""Update functions: pure arithmetic over parameter containers (never imports ops)."""

from .updates import *  # noqa: F401,F403
from .updates import __all__ as _updates

__all__ = list(_updates)
