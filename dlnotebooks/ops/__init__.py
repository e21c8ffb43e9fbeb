"""Model-function operations and losses; each op is registered in the file that defines it."""

from .activations import *  # noqa: F401,F403
from .activations import __all__ as _activations
from .encoding import *  # noqa: F401,F403
from .encoding import __all__ as _encoding
from .linear import *  # noqa: F401,F403
from .linear import __all__ as _linear
from .losses import *  # noqa: F401,F403
from .losses import __all__ as _losses

__all__ = _activations + _linear + _losses + _encoding
