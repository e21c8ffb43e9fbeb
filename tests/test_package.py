"""Package structure: cheap import, the layer order between units (every import, lazy ones
included), the public API."""

import ast
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import dlnotebooks as dl
from dlnotebooks.ops._registry import REGISTRY

ROOT = pathlib.Path(dl.__file__).parent


def test_import_loads_neither_widgets_nor_matplotlib():
    code = ("import sys, dlnotebooks; "
            "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'IPython', 'torch') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def _external(path, *, lazy=True):
    """External modules imported by ``path``: anywhere, or (lazy=False) at module level."""
    tree = ast.parse(path.read_text())
    nodes = ast.walk(tree) if lazy else tree.body
    names = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module or "")
    return names


def _lint_imports(root):
    """Run import-linter with pyproject.toml's contract on the package under ``root``."""
    env = dict(os.environ, PYTHONPATH=str(root))
    result = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--config", str(ROOT.parent / "pyproject.toml"), "--no-cache"],
        cwd=root, env=env, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


def test_layer_order_holds_for_every_import():
    """The layers contract in pyproject.toml ([tool.importlinter]) names every unit of the
    package (``exhaustive``) and sees every import statement, lazy ones included."""
    code, report = _lint_imports(ROOT.parent)
    assert code == 0 and "0 broken" in report, report


@pytest.mark.parametrize("module, statement", [
    # a lazy import from a higher layer, inside a function
    ("ops/activations.py", "def _injected():\n    from ..nn import dlnetwork\n"),
    # a plain absolute import of a sibling-or-higher layer
    ("optim/updates.py", "import dlnotebooks.ops\n"),
    # the monitor reaching up to the widgets, lazily
    ("monitor/monitor.py", "def _injected():\n    import dlnotebooks.widgets\n"),
    # the lowest layer importing anything from the package
    ("core/dlarray.py", "def _injected():\n    from .. import _checks\n"),
])
def test_layer_check_fails_on_an_injected_upward_import(tmp_path, module, statement):
    shutil.copytree(ROOT, tmp_path / "dlnotebooks",
                    ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "dlnotebooks" / module
    target.write_text(target.read_text() + "\n\n" + statement)
    code, report = _lint_imports(tmp_path)
    assert code != 0 and "BROKEN" in report, report


def test_autograd_beyond_its_numpy_is_imported_in_one_module():
    # Lazy imports count too: walk every node, not only the module body.
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.relative_to(ROOT).as_posix() == "_autograd.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                if name.split(".")[0] == "autograd" and name != "autograd.numpy":
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_ui_packages_are_imported_lazily():
    lazy = ("ipywidgets", "matplotlib", "IPython")
    offenders = []
    for path in ROOT.rglob("*.py"):
        for name in _external(path, lazy=False):
            if name.split(".")[0] in lazy:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_every_registered_op_is_exported_under_its_name():
    assert REGISTRY
    for name, record in REGISTRY.items():
        assert getattr(dl, name) is record.fn, name
        assert name in dl.ops.__all__, name


def test_every_name_in_all_is_defined():
    for module in (dl.ops, dl.optim, dl.init, dl.data, dl.nn, dl.testing, dl.exercises):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_no_module_is_over_800_lines():
    """A module past 800 lines has two jobs: split it along its seams."""
    long = {str(p.relative_to(ROOT)): n for p in ROOT.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 800}
    assert not long, long
