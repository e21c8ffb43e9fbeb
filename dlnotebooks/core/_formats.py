"""Format labels: parsing, MATLAB's canonical order, and permutations between layouts.

A format is a string of the labels S (spatial), C (channel), B (batch), T (time) and
U (unspecified), one per dimension. The canonical order is S..., C, B, T, U..., with repeated
S and U labels kept in their given relative order (a stable sort).
"""

LABELS = "SCBTU"
_RANK = {label: rank for rank, label in enumerate(LABELS)}


def parse_format(fmt, *, where="dlarray", arg="fmt"):
    """Check a format string and return it upper-cased; raise a clear error when it is invalid."""
    if not isinstance(fmt, str):
        raise TypeError(
            f"{where}: {arg} must be a string of the labels S, C, B, T, U; got {type(fmt).__name__}."
        )
    fmt = fmt.upper()
    bad = sorted({label for label in fmt if label not in _RANK})
    if bad:
        raise ValueError(
            f"{where}: {arg} has unknown labels {''.join(bad)!r}; got {fmt!r}. "
            "Use only S (spatial), C (channel), B (batch), T (time) and U (unspecified)."
        )
    for label in "CBT":
        if fmt.count(label) > 1:
            raise ValueError(
                f"{where}: {arg} may contain {label} at most once; got {fmt!r}. "
                "Only S and U may repeat."
            )
    return fmt


def canonical_permutation(fmt):
    """Return (perm, canonical_fmt): axis order that sorts the labels stably into S, C, B, T, U."""
    perm = tuple(sorted(range(len(fmt)), key=lambda i: _RANK[fmt[i]]))
    return perm, "".join(fmt[i] for i in perm)


def is_canonical(fmt):
    return all(_RANK[a] <= _RANK[b] for a, b in zip(fmt, fmt[1:]))


def user_order(canonical_fmt, data_format):
    """Axis permutation that takes an array in ``canonical_fmt`` to the order of ``data_format``.

    Labels of ``canonical_fmt`` that ``data_format`` does not have (added by an op) go last, in
    canonical order; labels that ``data_format`` has but the output lacks are skipped. Repeated
    labels keep their relative order.
    """
    positions = {}
    for axis, label in enumerate(canonical_fmt):
        positions.setdefault(label, []).append(axis)
    order = []
    for label in data_format:
        if positions.get(label):
            order.append(positions[label].pop(0))
    for label in LABELS:
        order.extend(positions.get(label, []))
    return tuple(order)
