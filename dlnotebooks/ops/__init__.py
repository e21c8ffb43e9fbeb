"""Model-function operations and losses; each op is registered in the file that defines it."""

from . import (activations, attention, conv, ctc, embedding, encoding, linear, losses,
               normalization, ode, pooling, recurrent)
from .activations import *  # noqa: F401,F403
from .attention import *  # noqa: F401,F403
from .conv import *  # noqa: F401,F403
from .ctc import *  # noqa: F401,F403
from .embedding import *  # noqa: F401,F403
from .encoding import *  # noqa: F401,F403
from .linear import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .normalization import *  # noqa: F401,F403
from .ode import *  # noqa: F401,F403
from .pooling import *  # noqa: F401,F403
from .recurrent import *  # noqa: F401,F403

__all__ = [name for module in (activations, linear, conv, pooling, normalization, recurrent,
                               embedding, attention, ctc, ode, losses, encoding)
           for name in module.__all__]
