"""Map and flatten over nested dict/list/tuple containers (and registered container types).

Leaves are everything that is not a container. Container types of our own (``Learnables``,
``State``, ``dlnetwork``) register a flatten/unflatten pair with :func:`register_container`.
"""

_CONTAINERS = {}


def register_container(cls, flatten, unflatten):
    """Register ``flatten(obj) -> (children, aux)`` and ``unflatten(aux, children) -> obj``."""
    _CONTAINERS[cls] = (flatten, unflatten)


def _flatten_one(x):
    """Return (children, rebuild) for a container, or None for a leaf."""
    if isinstance(x, dict):
        keys = list(x.keys())
        cls = type(x)
        return [x[k] for k in keys], lambda ch: _rebuild_dict(cls, keys, ch)
    if isinstance(x, tuple):
        if hasattr(x, "_fields"):
            return list(x), lambda ch: type(x)(*ch)
        return list(x), tuple
    if isinstance(x, list):
        return list(x), list
    entry = _CONTAINERS.get(type(x))
    if entry is not None:
        children, aux = entry[0](x)
        return list(children), lambda ch: entry[1](aux, ch)
    return None


def _rebuild_dict(cls, keys, children):
    out = dict(zip(keys, children))
    return out if cls is dict else cls(out)


def tree_flatten(tree):
    """Return (leaves, treedef); ``tree_unflatten(treedef, leaves)`` rebuilds the structure."""
    leaves = []
    return leaves, _visit(tree, leaves)


# Module-level recursion, not nested closures: a nested function that calls itself is a
# reference cycle (function -> closure cell -> function), and its cell holds ``leaves``. Then
# every traced array a training step flattens, and through it the step's whole tape, waited
# for Python's cyclic garbage collector instead of being freed when the step returned (seen
# as 60 MiB more peak memory on the LeNet benchmark every dozen steps).
def _visit(x, leaves):
    flat = _flatten_one(x)
    if flat is None:
        leaves.append(x)
        return None
    children, rebuild = flat
    return (rebuild, [_visit(c, leaves) for c in children])


def tree_unflatten(treedef, leaves):
    return _build(treedef, iter(leaves))


def _build(node, it):
    if node is None:
        return next(it)
    rebuild, children = node
    return rebuild([_build(c, it) for c in children])


def tree_leaves(tree):
    return tree_flatten(tree)[0]


def tree_paths(tree, prefix=""):
    """Yield (path, leaf) pairs with readable paths such as ``fc1.Weights`` or ``[0]``."""
    flat = _flatten_one(tree)
    if flat is None:
        yield prefix or "(value)", tree
        return
    if isinstance(tree, dict):
        names = [f"{prefix}.{k}" if prefix else str(k) for k in tree.keys()]
    elif type(tree) in _CONTAINERS and hasattr(tree, "_paths"):
        names = [f"{prefix}.{n}" if prefix else n for n in tree._paths()]
    else:
        names = [f"{prefix}[{i}]" for i in range(len(flat[0]))]
    for name, child in zip(names, flat[0]):
        yield from tree_paths(child, name)


def tree_structure_equal(a, b):
    """True when ``a`` and ``b`` have the same container structure (leaf values ignored)."""
    fa, fb = _flatten_one(a), _flatten_one(b)
    if fa is None or fb is None:
        return fa is None and fb is None
    if type(a) is not type(b) and not (isinstance(a, dict) and isinstance(b, dict)):
        return False
    if isinstance(a, dict) and list(a.keys()) != list(b.keys()):
        return False
    if hasattr(a, "_paths") and type(a) in _CONTAINERS and a._paths() != b._paths():
        return False  # tables: the same rows (layer, parameter), not just the same count
    if len(fa[0]) != len(fb[0]):
        return False
    return all(tree_structure_equal(x, y) for x, y in zip(fa[0], fb[0]))


def tree_map(fun, tree, *rest):
    """Apply ``fun`` leaf by leaf over ``tree`` and trees of the same structure in ``rest``."""
    leaves, treedef = tree_flatten(tree)
    others = [tree_flatten(r)[0] for r in rest]
    return tree_unflatten(treedef, [fun(*args) for args in zip(leaves, *others)])
