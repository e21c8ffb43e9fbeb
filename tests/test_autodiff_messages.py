"""dlgradient names the likely cause when y is not traced."""

import numpy as np
import pytest

from dlnotebooks import dlarray, dlfeval, dlgradient, extractdata

PREFIX = (r"dlgradient: y must be a traced real scalar; got a value that does not depend on any "
          r"traced input of dlfeval\. ")


def test_differentiating_a_gradient_computed_without_higher_derivatives():
    def curvature(x):
        dydx = dlgradient(np.sin(x) * x ** 2, x)
        return dlgradient(dydx, x)

    with pytest.raises(ValueError, match=PREFIX + r"y is a gradient returned by dlgradient "
                                                  r"without enable_higher_derivatives=True"):
        dlfeval(curvature, dlarray(0.5))


def test_a_value_computed_from_such_a_gradient():
    def penalty(x):
        g = dlgradient(np.sum(x ** 3), x)
        return dlgradient(np.sum(g ** 2), x)

    with pytest.raises(ValueError, match=PREFIX + r"An earlier dlgradient call in this function "
                                                  r"ran without enable_higher_derivatives=True"):
        dlfeval(penalty, dlarray(np.ones(3)))


def test_a_value_passed_through_extractdata():
    def loss(x):
        return dlgradient(float(np.sum(extractdata(x) ** 2)), x)

    with pytest.raises(ValueError, match=PREFIX + r"y is a plain float, not a dlarray: a value "
                                                  r"passed through extractdata"):
        dlfeval(loss, dlarray(np.ones(3)))


def test_arrays_not_passed_to_dlfeval():
    W = dlarray(np.ones((2, 3)))  # a global: not traced

    def loss(x):
        return dlgradient(np.sum(W * 2.0), x)

    with pytest.raises(ValueError, match=PREFIX + r"Likely causes: .*extractdata.* or from "
                                                  r"arrays that were not passed to dlfeval"):
        dlfeval(loss, dlarray(np.ones(3)))


def test_higher_derivatives_still_work_and_the_record_ends_with_dlfeval():
    def curvature(x):
        dydx = dlgradient(x ** 3, x, enable_higher_derivatives=True)
        return dlgradient(dydx, x)

    assert float(dlfeval(curvature, dlarray(2.0))) == pytest.approx(12.0)

    def plain(x):
        return dlgradient(dlarray(3.0), x)

    # a new dlfeval call starts without the earlier call's record
    with pytest.raises(ValueError, match=PREFIX + r"Likely causes"):
        dlfeval(plain, dlarray(1.0))
