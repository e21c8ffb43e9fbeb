"""Package structure: cheap import, dependency rules between subpackages, public API."""

import ast
import pathlib
import subprocess
import sys

import dlnotebooks as dl

ROOT = pathlib.Path(dl.__file__).parent


def test_import_loads_neither_widgets_nor_matplotlib():
    code = ("import sys, dlnotebooks; "
            "print(sorted(m for m in ('ipywidgets', 'matplotlib', 'IPython', 'torch') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def _imports(path):
    """Package-internal modules imported at module level (not inside functions)."""
    tree = ast.parse(path.read_text())
    parts = path.relative_to(ROOT).with_suffix("").parts
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    found = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(package[:len(package) - node.level + 1])
            target = base + (node.module.split(".") if node.module else [])
            if target:
                found.add(target[0])
            else:
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("dlnotebooks."):
            found.add(node.module.split(".")[1])
    return found


def _external(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module or "")
    return names


ALLOWED = {
    "core": {"_autograd"},
    "autodiff": {"core", "_tree", "_malloc", "_autograd"},
    "ops": {"core", "autodiff", "_checks", "_tree", "_autograd"},
    "optim": {"core", "autodiff", "_checks", "_tree", "_autograd"},
    "init": {"core", "_checks"},
    "data": {"core", "_checks"},
}


def test_dependency_rules_between_subpackages():
    problems = []
    for package, allowed in ALLOWED.items():
        for path in (ROOT / package).rglob("*.py"):
            used = _imports(path) - {package}
            bad = used - allowed
            if bad:
                problems.append(f"{path.relative_to(ROOT)} imports {sorted(bad)}")
    assert not problems, problems


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
        for name in _external(path):
            if name.split(".")[0] in lazy:
                offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert not offenders, offenders


def test_matlab_names_are_exported():
    for name in ("dlarray", "dims", "finddim", "stripdims", "extractdata", "isdlarray",
                 "dlfeval", "dlgradient", "dlaccelerate", "relu", "leakyrelu", "gelu",
                 "sigmoid", "softmax", "fullyconnect", "crossentropy", "l1loss", "l2loss",
                 "huber", "mse", "onehotencode", "onehotdecode", "sgdmupdate", "adamupdate",
                 "dlupdate"):
        assert callable(getattr(dl, name)), name
    assert callable(dl.testing.check_gradients)


_MUTATORS = {"append", "add", "update", "clear", "pop", "setdefault", "extend", "insert",
             "remove", "discard", "popitem"}


def _module_state(path):
    """A ``global`` statement, or a module-level container that a function changes (tables
    completed at import time are constants)."""
    tree = ast.parse(path.read_text())
    if any(isinstance(node, ast.Global) for node in ast.walk(tree)):
        return True
    names = {t.id for node in tree.body if isinstance(node, ast.Assign)
             for t in node.targets if isinstance(t, ast.Name)} - {"__all__"}
    inside = [n for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.Lambda))
              for n in ast.walk(f)]
    for node in inside:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, ast.AugAssign) else []
        for t in targets:
            if isinstance(t, ast.Subscript) and getattr(t.value, "id", None) in names:
                return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in _MUTATORS and getattr(node.func.value, "id", None) in names:
            return True
    return False


def test_package_docstring_lists_every_module_with_state():
    missing = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).as_posix()
        if _module_state(path) and rel not in dl.__doc__:
            missing.append(rel)
    assert not missing, f"global state not listed in dlnotebooks.__doc__: {missing}"
