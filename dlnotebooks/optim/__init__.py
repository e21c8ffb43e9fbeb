"""Update functions and learning-rate schedules: pure arithmetic over parameter containers.

Never imports ops. ``params`` may be a dlarray, a nested dict/list/tuple, a ``Learnables``
table or a ``dlnetwork``; update functions return new containers and never modify inputs.
"""

from .lbfgs import *  # noqa: F401,F403
from .lbfgs import __all__ as _lbfgs
from .rmsprop import *  # noqa: F401,F403
from .rmsprop import __all__ as _rmsprop
from .schedules import *  # noqa: F401,F403
from .schedules import __all__ as _schedules
from .updates import *  # noqa: F401,F403
from .updates import __all__ as _updates

__all__ = list(_updates) + list(_rmsprop) + list(_lbfgs) + list(_schedules)


def _answer_matlab_names():
    import inspect

    from .._checks import matlab_names

    for name in __all__:
        obj = globals()[name]
        if inspect.isfunction(obj):
            globals()[name] = matlab_names(obj)


_answer_matlab_names()
