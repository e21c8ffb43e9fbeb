"""Every public callable documents its Parameters and Returns, arrays with format or shape.

The public API is read from ``dl.__all__`` and, for the public submodules it names (and the
lazily loaded ``dl.widgets``), from their ``__all__``; for public classes, their public
methods count too. Nothing here is a hand-kept list of names.
"""

import inspect
import re
import types

import pytest

import dlnotebooks as dl


def _public_callables():
    found, seen = {}, set()

    def add(qualname, obj):
        if id(obj) in seen:
            return
        seen.add(id(obj))
        found[qualname] = obj
        if inspect.isclass(obj):
            for name, member in vars(obj).items():
                if not name.startswith("_") and inspect.isfunction(member):
                    add(f"{qualname}.{name}", member)

    modules = [("dl", dl), ("dl.widgets", dl.widgets)]
    while modules:
        prefix, module = modules.pop(0)
        for name in module.__all__:
            obj = getattr(module, name)
            if isinstance(obj, types.ModuleType):
                modules.append((f"{prefix}.{name}", obj))
            elif ((inspect.isfunction(obj) or inspect.isclass(obj))
                  and obj.__module__.startswith("dlnotebooks")):
                add(f"{prefix}.{name}", obj)
    return found


PUBLIC = _public_callables()


def _section(doc, title):
    """The text of a NumPy-style section, or None when the docstring has none."""
    match = re.search(rf"^{re.escape(title)}\n-+\n(.*?)(?=^\S[^\n]*\n-+\n|\Z)", doc, re.M | re.S)
    return match.group(1) if match else None


def _parameters(obj):
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p for p in params if p.name not in ("self", "cls")]


def test_the_public_api_is_found():
    # The walk reaches top-level functions, submodules, widgets and methods of classes.
    for name in ("dl.extractdata", "dl.dlnetwork", "dl.init.glorot", "dl.data.digits",
                 "dl.minibatchqueue.next", "dl.widgets.InitializationExplorer"):
        assert name in PUBLIC, name
    assert len(PUBLIC) > 100


@pytest.mark.parametrize("qualname", sorted(PUBLIC))
def test_public_callable_documents_parameters_and_returns(qualname):
    obj = PUBLIC[qualname]
    doc = inspect.getdoc(obj) or ""
    assert doc.strip(), f"{qualname}: no docstring"
    params = _parameters(obj)
    text = _section(doc, "Parameters")
    if params:
        assert text is not None, f"{qualname}: no Parameters section"
        for p in params:
            shown = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}
            name = shown.get(p.kind, "") + p.name
            assert re.search(rf"(^|[\s,`*]){re.escape(p.name)}\b", text), \
                f"{qualname}: parameter {name} is not described"
    if not inspect.isclass(obj):
        assert _section(doc, "Returns") is not None or _section(doc, "Yields") is not None, \
            f"{qualname}: no Returns section"
    # Arrays come with their format or shape (on the entry's line or its description).
    for title in ("Parameters", "Returns"):
        entries = re.split(r"\n(?=\S)", _section(doc, title) or "")
        for entry in entries:
            if re.match(r"^\S.* : .*\bdlarray", entry):
                # containers ("dict/list/tuple of dlarrays") hold arrays of any shape
                assert re.search(r"format|shape|size|elements|broadcast|\(|same|like|dict|"
                                 r"Learnables",
                                 entry, re.I), \
                    f"{qualname}: {title} entry without format or shape: {entry.strip()!r}"
