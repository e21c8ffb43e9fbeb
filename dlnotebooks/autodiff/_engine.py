"""dlfeval and dlgradient on HIPS autograd: the one user of its trace machinery.

The autograd names come from :mod:`dlnotebooks._autograd`, the package's one door to them.

How it works
------------
``dlfeval`` opens one autograd trace, boxes every floating-point dlarray leaf of its arguments
and calls the function. Every primitive applied to a boxed value records a :class:`_Node` that,
besides autograd's VJP closure, keeps the primitive and its arguments: a tape.

``dlgradient`` runs a backward pass from ``y`` over that tape and collects the gradient at the
node of each requested ``x`` (a leaf or any traced intermediate value). Where an op registered
a fused VJP for itself applied to another primitive's output (``defvjp_fused``: ctc on
softmax's output), the pass goes from the first to the second's input in one step, when that
gives the same gradient as the chain rule (see defvjp_fused).

With ``enable_higher_derivatives=True`` the gradient must itself be traced. The tape is
replayed from the ``x`` nodes at a new, higher trace level whose inputs are boxes of the
current level; autograd's VJPs then compute on current-level boxes, so the gradient they return
is part of the current trace and can be differentiated again by a later ``dlgradient``. The
replay re-runs recorded primitives with their recorded arguments, so random draws inside the
user's function are not repeated.
"""

import math

import numpy as np

from .._autograd import (ContainerVSpace, DictVSpace, VJPNode, add_outgrads, container_take,
                         getval, isbox, new_box, notrace_primitives, primitive_vjps, toposort,
                         trace_stack, vspace)
from .. import _malloc, _tree
from ..core import dlarray

__all__ = ["dlfeval", "dlgradient", "dlaccelerate"]


class _Node(VJPNode):
    """A VJP node that also records the primitive and its arguments, so it can be replayed."""

    __slots__ = ["fun", "args", "kwargs", "argnums", "value"]

    def __init__(self, value, fun, args, kwargs, parent_argnums, parents):
        super().__init__(value, fun, args, kwargs, parent_argnums, parents)
        self.fun = fun
        self.args = args
        self.kwargs = kwargs
        self.argnums = parent_argnums
        self.value = value

    def initialize_root(self):
        super().initialize_root()
        self.fun = None
        self.args = ()
        self.kwargs = {}
        self.argnums = ()
        self.value = None

    def vjp_for(self, wanted):
        """The VJP restricted to the parents in ``wanted`` (positions into ``parents``).

        A parent that leads to no requested gradient (say, the input data of the first layer)
        costs nothing: its vector-Jacobian product is never built.
        """
        argnums = tuple(self.argnums[i] for i in wanted)
        return primitive_vjps[self.fun](argnums, self.value, self.args, self.kwargs)


# Non-differentiable primitives (comparisons, floor, argmax, ...) are registered per node type;
# ours shares VJPNode's set, so they stay untraced on our tape as well.
notrace_primitives[_Node] = notrace_primitives[VJPNode]


class _Context:
    # constant_gradients: the data of gradients returned without enable_higher_derivatives
    # (constants) by id, kept (alive, so ids stay unique) only to explain a later "y not
    # traced"; they live as long as this dlfeval call.
    __slots__ = ("level", "constant_gradients", "constant_calls")

    def __init__(self, level):
        self.level = level
        self.constant_gradients = {}
        self.constant_calls = 0


_contexts = []


class _Level:
    """Enter a new autograd trace level; always leave it, also when the body raises."""

    def __enter__(self):
        trace_stack.top += 1
        self.level = trace_stack.top
        return self.level

    def __exit__(self, *exc):
        trace_stack.top -= 1
        return False


def _strip_level(data, level):
    while isbox(data) and data._trace >= level:
        data = data._value
    return data


def dlfeval(fun, *args, **kwargs):
    """Evaluate ``fun(*args, **kwargs)`` with tracing so that ``dlgradient`` works inside it.

    Every floating-point dlarray in ``args`` and ``kwargs`` (also inside dicts, lists, tuples,
    ``Learnables`` tables and ``dlnetwork`` objects) becomes a traced leaf. The values ``fun``
    returns are handed back untraced.

    Parameters
    ----------
    fun : callable
        The function to evaluate, typically a model-loss function that calls ``dlgradient``.
    *args, **kwargs
        Passed to ``fun``. The same dlarray object given twice is one leaf.

    Returns
    -------
    Whatever ``fun`` returns, with every dlarray untraced.

    Raises
    ------
    TypeError
        If ``fun`` is not callable. Errors raised by ``fun`` propagate unchanged; the trace is
        closed either way.

    Notes
    -----
    The trace, and the memory of the intermediate values, lives until ``dlfeval`` returns.

    **Containers are passed by value.** ``fun`` receives *new* dicts, lists, tuples,
    ``Learnables``/``State`` tables and ``dlnetwork`` objects that hold the traced dlarrays,
    so changing them inside ``fun`` (``state["mu"] = mu``, ``history.append(loss)``,
    ``net.state = state``) does not change the caller's objects. Return what you change,
    ``return loss, gradients, state``, and assign it after the call, as in MATLAB. Anything
    else (NumPy arrays, a monitor, your own objects) is passed as it is.

    MATLAB compatibility
    --------------------
    ``[y1,...,yk] = dlfeval(fun, x1,...,xn)``: Python returns whatever ``fun`` returns (use a
    tuple for several outputs). The value semantics for containers are MATLAB's own (structs,
    cell arrays and ``dlnetwork`` are value types there), so the MATLAB pattern
    ``[loss, gradients, state] = dlfeval(@modelLoss, net, X, T); net.State = state;`` carries
    over unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray, dlgradient
    >>> def rosenbrock(x):
    ...     y = 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2
    ...     return y, dlgradient(y, x)
    >>> y, g = dlfeval(rosenbrock, dlarray(np.array([-1.0, 2.0])))
    >>> float(y), g
    (104.0, 2 float64 dlarray
    [396. 200.])
    """
    if not callable(fun):
        raise TypeError(f"dlfeval: fun must be callable; got {type(fun).__name__}. "
                        "Pass the function itself, for example dlfeval(model_loss, params, X).")
    _malloc.tune()
    with _Level() as level:
        memo = {}

        def box_leaf(x):
            if isinstance(x, dlarray):
                key = id(x)
                if key not in memo:
                    data = x._data
                    if np.issubdtype(np.result_type(getval(data)), np.inexact):
                        data = new_box(data, level, _Node.new_root())
                    memo[key] = (x, dlarray._wrap(data, x._fmt))
                return memo[key][1]
            return x

        traced_args = _tree.tree_map(box_leaf, args)
        traced_kwargs = _tree.tree_map(box_leaf, kwargs)
        _contexts.append(_Context(level))
        try:
            out = fun(*traced_args, **traced_kwargs)
        finally:
            _contexts.pop()
    return _untrace(out, level)


def _untrace(out, level):
    def strip(x):
        if isinstance(x, dlarray):
            return dlarray._wrap(_strip_level(x._data, level), x._fmt) if isbox(x._data) else x
        if isbox(x):
            return _strip_level(x, level)
        return x

    return _tree.tree_map(strip, out)


def dlaccelerate(fun):
    """Return ``fun`` unchanged (MATLAB compatibility; there is nothing to compile here).

    Parameters
    ----------
    fun : callable, e.g. a model-loss function for ``dlfeval``

    Returns
    -------
    fun : the same callable

    MATLAB compatibility
    --------------------
    MATLAB's ``dlaccelerate`` caches traces of ``fun``. Here tracing is cheap and the function
    is returned as it is, so code written for MATLAB runs unchanged.

    Examples
    --------
    >>> f = dlaccelerate(abs)
    >>> f(-2)
    2
    """
    if not callable(fun):
        raise TypeError(f"dlaccelerate: fun must be callable; got {type(fun).__name__}.")
    return fun


def _current_context():
    if not _contexts:
        raise RuntimeError(
            "dlgradient: must be called inside a function evaluated by dlfeval, for example "
            "loss, grads = dlfeval(model_loss, params, X, T)."
        )
    return _contexts[-1]


def _check_y(y, level, ctx):
    data = y._data if isinstance(y, dlarray) else y
    shape = np.shape(getval(data))
    if math.prod(shape) != 1:
        raise ValueError(
            f"dlgradient: y must be a traced real scalar; got shape {shape}. "
            "Reduce it with sum or mean first, for example dlgradient(np.sum(Y), X)."
        )
    if np.iscomplexobj(getval(data)):
        raise ValueError("dlgradient: y must be a traced real scalar; got a complex value. "
                         "Differentiate its real part or its absolute value instead.")
    if not (isbox(data) and data._trace == level):
        raise ValueError("dlgradient: y must be a traced real scalar; got a value that does not "
                         "depend on any traced input of dlfeval. " + _why_untraced(y, ctx))
    return data


def _why_untraced(y, ctx):
    """The likely cause of an untraced ``y``, named when it can be detected."""
    if isinstance(y, dlarray) and id(y._data) in ctx.constant_gradients:
        return ("y is a gradient returned by dlgradient without enable_higher_derivatives=True, "
                "which is a constant. To differentiate a gradient again, compute it with "
                "dlgradient(..., enable_higher_derivatives=True).")
    if ctx.constant_calls:
        return ("An earlier dlgradient call in this function ran without "
                "enable_higher_derivatives=True, so its gradients are constants: if y is "
                "computed from them, pass enable_higher_derivatives=True to that call.")
    if not isinstance(y, dlarray):
        return (f"y is a plain {type(y).__name__}, not a dlarray: a value passed through "
                "extractdata (or np.asarray, float, .item()) is cut from the trace and is a "
                "constant. Compute y with operations on the traced dlarrays instead.")
    return ("Likely causes: y was built from extractdata(...) of a traced value (a constant), "
            "or from arrays that were not passed to dlfeval (globals and closures are constants; "
            "pass them as arguments of dlfeval).")


def _leaf_box(x, level, path):
    if not isinstance(x, dlarray):
        raise TypeError(
            f"dlgradient: x must be a dlarray or a container of dlarrays; got "
            f"{type(x).__name__} at {path}."
        )
    data = x._data
    if not (isbox(data) and data._trace == level):
        raise ValueError(
            f"dlgradient: x is not traced ({path}); pass it to dlfeval as an argument (or inside "
            "an argument) and differentiate with respect to that traced value."
        )
    return data


# Fused VJPs: _fused_vjps[child][parent] = make, for a primitive ``child`` applied to the output
# of a primitive ``parent``; see defvjp_fused.
_fused_vjps = {}


def defvjp_fused(child, parent, make):
    """Let the backward pass go from ``child(parent(x), ...)`` straight to x.

    ``make(child_node, parent_node)`` returns ``vjp(g)``: for the gradient g of child's output,
    the gradients with respect to parent's traced arguments, in order (as parent's own VJP
    would give them from child's). It may return None when the pair does not qualify. The
    backward pass uses it only where it equals the chain rule through both: parent's output
    is used by child alone on the way to y (once), and it is not itself differentiated with
    respect to. Then parent's VJP is never evaluated. (softmax then ctc is one such pair.)
    """
    _fused_vjps.setdefault(child, {})[parent] = make


def _fused_vjp(node, targets, order, needed, uses):
    """The fused VJP for ``node`` and its parent when one applies, else None."""
    if len(node.parents) != 1 or not isinstance(node, _Node):
        return None, uses
    parent = node.parents[0]
    make = _fused_vjps[node.fun].get(getattr(parent, "fun", None))
    if make is None or parent in targets:
        return None, uses
    if uses is None:
        uses = {}
        for n in order:
            if n in needed:
                for p in n.parents:
                    uses[p] = uses.get(p, 0) + 1
    return (make(node, parent) if uses[parent] == 1 else None), uses


def _taken_piece(node, outgrad, pieces):
    """Keep the gradient of ``container[idx]`` aside for the container's node; True if kept.

    autograd's own VJP of taking an element (``Y, _, _ = lstm(...)``) is a zero container plus
    the element's gradient added in: a zeros((H, N, T)) and a full pass per use of a
    multi-output op. Kept aside instead, the pieces are put together once the container's
    node is reached (``_assembled``), with zeros only where no element had a gradient.
    """
    container, idx = node.args[0], node.args[1]
    if type(idx) not in (int, str):  # slices take the general path
        return False
    vs = vspace(container)
    if not isinstance(vs, ContainerVSpace):
        return False
    slot = pieces.setdefault(node.parents[0], (vs, {}))[1]
    slot[idx] = add_outgrads(slot.get(idx), outgrad[0])
    return True


def _assembled(vs, slot):
    """The container gradient from its elements' gradients, zeros where there are none. Its
    elements may be the consumers' own arrays: add_outgrads flags it as not to be added into."""
    keys = [k for k, _ in vs._kv_pairs(vs.shape)]
    keys = {k: k for k in keys} if isinstance(vs, DictVSpace) else keys
    return vs._map(lambda s, k: slot[k][0] if k in slot else s.zeros(), keys)


def _backward(g, end_node, targets):
    """Backward pass from ``end_node``; return {node: gradient} for the nodes in ``targets``."""
    order = list(toposort(end_node))
    # Only nodes that lie on a path from a target to the end need their VJPs evaluated.
    needed = set()
    for node in reversed(order):
        if node in targets or any(p in needed for p in node.parents):
            needed.add(node)
    outgrads = {end_node: (g, False)}
    found = {}
    absorbed = set()  # nodes whose VJP a fused VJP of their only consumer has done
    uses = None  # consumers per needed node, counted once a fused VJP may apply
    pieces = {}  # container node -> (its vspace, {index: gradient of that element})
    for node in order:
        if node not in needed or node in absorbed:
            outgrads.pop(node, None)
            pieces.pop(node, None)
            continue
        outgrad = outgrads.pop(node, None)
        if node in pieces:
            outgrad = add_outgrads(outgrad, _assembled(*pieces.pop(node)))
        if node in targets:
            found[node] = outgrad[0]
        if not node.parents:
            continue
        if node.fun is container_take and _taken_piece(node, outgrad, pieces):
            continue
        if getattr(node, "fun", None) in _fused_vjps:
            vjp, uses = _fused_vjp(node, targets, order, needed, uses)
            if vjp is not None:
                parent = node.parents[0]
                absorbed.add(parent)
                for grandparent, ingrad in zip(parent.parents, vjp(outgrad[0])):
                    if grandparent in needed:
                        outgrads[grandparent] = add_outgrads(outgrads.get(grandparent), ingrad)
                continue
        wanted = [i for i, parent in enumerate(node.parents) if parent in needed]
        if len(wanted) == len(node.parents) or not isinstance(node, _Node):
            pairs = zip(node.parents, node.vjp(outgrad[0]))
        else:
            pairs = zip([node.parents[i] for i in wanted], node.vjp_for(wanted)(outgrad[0]))
        for parent, ingrad in pairs:
            if parent in needed:
                outgrads[parent] = add_outgrads(outgrads.get(parent), ingrad)
    return found


def _replay(y_box, x_boxes, level):
    """Re-run the tape from the x nodes at a new level; return (y at that level, x roots)."""
    order = list(toposort(y_box._node))
    order.reverse()
    with _Level() as top:
        replayed = {}
        roots = []
        for box in x_boxes:
            if box._node not in replayed:
                replayed[box._node] = new_box(box, top, _Node.new_root())
            roots.append(replayed[box._node]._node)
        for node in order:
            if node in replayed or not any(p in replayed for p in node.parents):
                continue
            args = list(node.args)
            for argnum, parent in zip(node.argnums, node.parents):
                if parent in replayed:
                    args[argnum] = replayed[parent]
                else:
                    args[argnum] = new_box(node.args[argnum], level, parent)
            replayed[node] = node.fun(*args, **node.kwargs)
        y_top = replayed.get(y_box._node)
        if y_top is None or not isbox(y_top) or y_top._trace != top:
            return None, roots
        ones = np.ones(np.shape(getval(y_top)), dtype=np.result_type(getval(y_top)))
        found = _backward(ones, y_top._node, set(roots))
    return found, roots


def dlgradient(y, x, *xs, retain_data=False, enable_higher_derivatives=False):
    """Compute the gradient of a traced scalar ``y`` with respect to ``x`` (and more ``xs``).

    Call it inside a function evaluated by :func:`dlfeval`.

    .. math:: \\frac{\\partial y}{\\partial x}

    Parameters
    ----------
    y : dlarray, any format, one element
        A real scalar computed from traced inputs.
    x, *xs : dlarray or dict/list/tuple/Learnables/dlnetwork of dlarrays
        Traced values: leaves passed to ``dlfeval`` or intermediate values computed from them.
    retain_data : bool, default False
        Accepted for MATLAB compatibility. The trace always lives until ``dlfeval`` returns, so
        several ``dlgradient`` calls in one evaluation work either way.
    enable_higher_derivatives : bool, default False
        Trace the backward pass too, so the returned gradient can be differentiated again
        (second derivatives, gradient penalties).

    Returns
    -------
    dydx : same structure as ``x``
        Gradients with the shapes and formats of the leaves of ``x``; zeros for leaves ``y``
        does not depend on. A tuple with one entry per argument when ``xs`` are given.

    Raises
    ------
    RuntimeError
        Outside ``dlfeval``.
    ValueError
        ``y`` not a traced real scalar; ``x`` not traced.
    TypeError
        ``x`` not a dlarray or container of dlarrays.

    Notes
    -----
    With ``enable_higher_derivatives=True`` the recorded operations from ``x`` to ``y`` are
    run once more at a nested trace level (their recorded arguments are reused, so random draws
    are not repeated), which costs about one extra forward pass.

    MATLAB compatibility
    --------------------
    ``dlgradient(y, x1, ..., 'RetainData', tf, 'EnableHigherDerivatives', tf)``: the options
    become the keywords ``retain_data`` and ``enable_higher_derivatives``. Several ``x`` give a
    tuple instead of several output arguments.

    Examples
    --------
    >>> import numpy as np
    >>> from dlnotebooks import dlarray, dlfeval
    >>> def second(x):
    ...     y = x ** 3
    ...     dy = dlgradient(y, x, enable_higher_derivatives=True)
    ...     return dlgradient(dy, x)
    >>> float(dlfeval(second, dlarray(5.0)))
    30.0
    """
    ctx = _current_context()
    level = ctx.level
    y_box = _check_y(y, level, ctx)
    targets = (x,) + xs
    flat = []
    for i, target in enumerate(targets):
        label = "x" if i == 0 else f"xs[{i - 1}]"
        paths = list(_tree.tree_paths(target, label))
        if not paths:
            raise ValueError(f"dlgradient: {label} is an empty container; nothing to "
                             "differentiate with respect to.")
        leaves, treedef = _tree.tree_flatten(target)
        boxes = [_leaf_box(leaf, level, path) for leaf, (path, _) in zip(leaves, paths)]
        flat.append((leaves, treedef, boxes))
    all_boxes = [b for _, _, boxes in flat for b in boxes]

    if enable_higher_derivatives:
        found, roots = _replay(y_box, all_boxes, level)
        grad_of = dict(zip(map(id, all_boxes), roots))
        found = found or {}

        def lookup(box):
            return found.get(grad_of[id(box)])
    else:
        ones = np.ones(np.shape(getval(y_box)), dtype=np.result_type(getval(y_box)))
        found = _backward(ones, y_box._node, {b._node for b in all_boxes})

        def lookup(box):
            return found.get(box._node)

    results = []
    for leaves, treedef, boxes in flat:
        grads = [_finish(lookup(box), leaf) for leaf, box in zip(leaves, boxes)]
        if enable_higher_derivatives:
            # A gradient that happens to be constant (relu's, a linear op's) is still a traced
            # value, as in MATLAB: tie it to x with a zero coefficient so that differentiating
            # it again gives zeros instead of a "not traced" error.
            grads = [g if isbox(g._data) and g._data._trace == level
                     else dlarray._wrap(box * 0 + g._data, g.fmt)
                     for g, box in zip(grads, boxes)]
        else:
            ctx.constant_gradients.update((id(g._data), g._data) for g in grads)
        results.append(_tree.tree_unflatten(treedef, grads))
    if not enable_higher_derivatives:
        ctx.constant_calls += 1
    return results[0] if not xs else tuple(results)


def _finish(g, leaf):
    value = getval(leaf._data)
    shape = np.shape(value)
    dtype = np.result_type(value)
    if g is None:
        return dlarray._wrap(np.zeros(shape, dtype=dtype), leaf._fmt)
    if not isbox(g) and not isinstance(g, np.ndarray):
        # autograd may hand back sparse (indexing) or scalar gradients; add_outgrads densifies.
        g = np.asarray(add_outgrads(None, g)[0])
    if np.shape(getval(g)) != shape:
        g = g * np.ones(shape, dtype=dtype) if isbox(g) else np.broadcast_to(g, shape).copy()
    if not isbox(g) and g.dtype != dtype:
        g = g.astype(dtype)
    elif not isbox(g) and not g.flags.writeable:
        g = g.copy()  # e.g. sum's broadcast gradient (core/_sums.py): the user gets an array
    return dlarray._wrap(g, leaf._fmt)
