"""Course maintenance: where the notebooks are, and committing them with clean outputs.

``python -m dlnotebooks.course strip NOTEBOOK...`` keeps only the plain-text outputs of cells
marked ``# NBVAL_CHECK_OUTPUT`` (what nbval compares) and removes everything else: images,
widget state, execution counts.
"""

import json
import pathlib
import sys

__all__ = ["notebooks_dir", "strip_outputs"]

CHECK_MARK = "NBVAL_CHECK_OUTPUT"


def notebooks_dir():
    """The course folder of a source checkout (``notebooks/`` next to the package)."""
    return pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def strip_outputs(nb):
    """Return notebook JSON (a dict) with outputs stripped except checked text outputs."""
    nb = json.loads(json.dumps(nb))
    nb.get("metadata", {}).pop("widgets", None)
    counter = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        cell["execution_count"] = None
        source = "".join(cell.get("source", ""))
        kept = []
        if CHECK_MARK in source:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stdout":
                    kept.append(out)
                elif out.get("output_type") == "execute_result":
                    data = {k: v for k, v in out.get("data", {}).items() if k == "text/plain"}
                    if data:
                        kept.append({"output_type": "execute_result", "data": data,
                                     "metadata": {}, "execution_count": None})
        cell["outputs"] = kept
        if kept:  # nbval compares only cells that look executed
            counter += 1
            cell["execution_count"] = counter
            for out in kept:
                if out["output_type"] == "execute_result":
                    out["execution_count"] = counter
        cell.get("metadata", {}).pop("execution", None)
    return nb


def _main(argv):
    if len(argv) < 2 or argv[0] != "strip":
        print("usage: python -m dlnotebooks.course strip NOTEBOOK...", file=sys.stderr)
        return 2
    for name in argv[1:]:
        path = pathlib.Path(name)
        nb = strip_outputs(json.loads(path.read_text()))
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
