"""The supported autograd versions are stated once, in pyproject.toml, and hold here."""

import importlib.metadata
import pathlib
import tomllib

import numpy as np
from packaging.requirements import Requirement
from packaging.version import Version

import dlnotebooks as dl

PYPROJECT = pathlib.Path(__file__).resolve().parents[1] / "pyproject.toml"


def _autograd_requirement():
    deps = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (spec,) = [Requirement(d) for d in deps if Requirement(d).name == "autograd"]
    return spec


def test_pyproject_states_a_closed_autograd_range():
    spec = _autograd_requirement()
    operators = {s.operator for s in spec.specifier}
    # The package uses autograd internals, so an open-ended range would promise too much.
    assert operators & {">=", ">"} and operators & {"<", "<="}, str(spec)


def test_installed_autograd_is_in_the_supported_range():
    installed = Version(importlib.metadata.version("autograd"))
    spec = _autograd_requirement()
    assert spec.specifier.contains(installed), f"autograd {installed} outside {spec}"


def test_the_internals_used_work_with_the_installed_autograd():
    # dlgradient exercises the trace stack, boxes and the backward pass, higher derivatives
    # the replay at a nested trace level.
    def f(x):
        g = dl.dlgradient((x ** 3).sum(), x, enable_higher_derivatives=True)
        return dl.dlgradient(g.sum(), x)

    x = dl.dlarray(np.array([1.0, 2.0, -0.5]))
    h = dl.dlfeval(f, x)
    np.testing.assert_allclose(dl.extractdata(h), 6 * np.array([1.0, 2.0, -0.5]))
