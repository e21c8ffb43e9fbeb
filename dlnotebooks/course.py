"""The course's notebooks: where they are, writable copies, student versions, clean outputs.

- :func:`notebooks_dir` finds the course: ``notebooks/`` of a source checkout, or the copy
  that a (non-editable) install puts under ``share/dlnotebooks/notebooks``.
- :func:`copy_course` makes a writable copy for a learner without touching the originals, and
  never overwrites notebooks the learner already has.
- :func:`make_student_version` replaces every ``### BEGIN SOLUTION`` … ``### END SOLUTION``
  region (nbgrader's markers) with a stub that binds the answer's names to
  :data:`dlnotebooks.exercises.TODO`, so the following ``ex.check(...)`` reports the exercise as
  not yet done instead of the notebook crashing.
- ``python -m dlnotebooks.course strip NOTEBOOK...`` keeps only the plain-text outputs of cells
  marked ``# NBVAL_CHECK_OUTPUT`` (what nbval compares) and removes everything else: images,
  widget state, execution counts.
"""

import ast
import json
import pathlib
import re
import shutil
import sys
import textwrap

__all__ = ["notebooks_dir", "strip_outputs", "copy_course", "make_student_version",
           "write_student_versions", "course_notebooks"]

CHECK_MARK = "NBVAL_CHECK_OUTPUT"
BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
_REGION = re.compile(r"^([ \t]*)### BEGIN SOLUTION[^\n]*\n(.*?)^[ \t]*### END SOLUTION[^\n]*(\n|$)",
                     re.S | re.M)
_EXERCISE_ID = re.compile(r"exercises\.get\(\s*[\"'](\d+\.\d+)[\"']\s*\)")
_SKIP = {".ipynb_checkpoints", "__pycache__"}


def notebooks_dir():
    """Return the course folder: ``notebooks/`` of a source checkout, else the installed copy.

    Raises
    ------
    FileNotFoundError
        Neither exists (an install without the course's data files).
    """
    checkout = pathlib.Path(__file__).resolve().parent.parent / "notebooks"
    if checkout.is_dir():
        return checkout
    installed = _installed_notebooks_dir()
    if installed is not None:
        return installed
    raise FileNotFoundError(
        f"notebooks_dir: the course notebooks are not installed; looked in {checkout} and in "
        "the package's share/dlnotebooks/notebooks. Reinstall with `pip install dlnotebooks` "
        "or work from a clone of the repository.")


def _installed_notebooks_dir():
    from importlib import metadata

    try:
        files = metadata.files("dlnotebooks") or []
    except metadata.PackageNotFoundError:
        return None
    for entry in files:
        parts = pathlib.PurePosixPath(str(entry)).parts
        if parts[-3:-1] == ("dlnotebooks", "notebooks") and parts[-1].endswith(".ipynb"):
            folder = pathlib.Path(entry.locate()).resolve().parent
            if folder.is_dir():
                return folder
    return None


def course_notebooks(source=None):
    """The course's notebooks (``NN_*.ipynb``), sorted, from ``source`` or :func:`notebooks_dir`."""
    folder = pathlib.Path(source) if source is not None else notebooks_dir()
    return sorted(p for p in folder.glob("*.ipynb") if p.name[:2].isdigit())


def _course_files(source):
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_file() and not any(part in _SKIP or part.startswith(".") for part in rel.parts):
            yield rel


def copy_course(dest, *, source=None, reset=False):
    """Copy the course into ``dest`` (created if needed) without overwriting the learner's work.

    Files that already exist in ``dest`` are kept as they are, so running it again after an
    update adds only the new lessons. With ``reset=True`` existing files are replaced by fresh
    copies and the learner's versions are kept beside them as ``NAME.bak`` (an older ``.bak``
    is replaced).

    Parameters
    ----------
    dest : str or path-like
        The writable course folder.
    source : str or path-like, optional
        The course to copy; default :func:`notebooks_dir`.
    reset : bool, default False

    Returns
    -------
    copied, kept : list of pathlib.Path
        Paths relative to ``dest``: files written, and existing files left untouched.

    Raises
    ------
    ValueError
        ``dest`` is the course folder itself (the originals must stay pristine).
    """
    source = (pathlib.Path(source) if source is not None else notebooks_dir()).resolve()
    dest = pathlib.Path(dest).expanduser().resolve()
    if dest == source:
        raise ValueError(f"copy_course: dest is the course folder itself; got {dest}. "
                         "Choose another folder, for example ~/dlnotebooks-course.")
    copied, kept = [], []
    for rel in _course_files(source):
        target = dest / rel
        if target.exists() and not reset:
            kept.append(rel)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.copy2(target, target.with_name(target.name + ".bak"))
        shutil.copyfile(source / rel, target)
        copied.append(rel)
    return copied, kept


def _stub_lines(region, todo):
    """Lines replacing one solution region (unindented), and whether it parsed."""
    try:
        tree = ast.parse(textwrap.dedent(region))
    except SyntaxError:
        return [f"{todo}  # YOUR CODE HERE"], False
    lines, names, returns = [], [], False
    source_lines = textwrap.dedent(region).splitlines()

    def bind(name):
        if name not in names:
            names.append(name)

    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            lines.append(ast.get_source_segment(textwrap.dedent(region), stmt))
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            header = source_lines[stmt.lineno - 1:stmt.body[0].lineno - 1]
            if not header:  # a one-line def: keep the part before the body
                header = [source_lines[stmt.lineno - 1].split(":", 1)[0] + ":"]
            lines.append("# Write this function:")
            lines.extend("#     " + h for h in header if h.strip())
            bind(stmt.name)
        elif isinstance(stmt, ast.ClassDef):
            lines.append(f"# Write the class {stmt.name}.")
            bind(stmt.name)
        elif isinstance(stmt, ast.Return):
            returns = True
        else:
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bind(node.id)
    lines.extend(f"{name} = {todo}" for name in names)
    if returns:
        lines.append(f"return {todo}")
    if not names and not returns:
        lines.append(f"{todo}  # YOUR CODE HERE")
    return lines, True


def make_student_version(nb, *, notebook_number=None, stub="todo"):
    """Return a student version of notebook JSON ``nb`` (a dict; ``nb`` is not modified).

    Every solution region of a code cell, from a ``### BEGIN SOLUTION`` line to its
    ``### END SOLUTION`` line, is replaced by a stub, and all outputs are removed.

    Parameters
    ----------
    nb : dict
        Notebook JSON (nbformat 4).
    notebook_number : str, optional
        ``"NN"``, used to name exercises whose cell has no ``exercises.get("NN.k")`` call.
    stub : {"todo", "raise"}, default "todo"
        ``"todo"``: each name the solution binds (a function, a variable) is set to
        ``dl.exercises.TODO`` under a comment with the function's signature; ``check()``
        then reports "not yet", so the notebook still runs top to bottom (under nbval too).
        ``"raise"``: nbgrader's stub, ``raise NotImplementedError(...)``: the cell fails until
        the learner writes the answer.

    Returns
    -------
    dict
        The student notebook, with ``metadata["dlnotebooks"]["student_version"] = True``.
    """
    if stub not in ("todo", "raise"):
        raise ValueError(f"make_student_version: stub must be 'todo' or 'raise'; got {stub!r}.")
    nb = strip_outputs(nb, keep_checked=False)
    all_source = "\n".join("".join(c.get("source", "")) for c in nb.get("cells", []))
    has_dl = re.search(r"^\s*import dlnotebooks as dl\b", all_source, re.M) is not None
    todo = "dl.exercises.TODO" if has_dl else "TODO"
    counter = 0
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") != "code" or BEGIN_SOLUTION not in source:
            continue
        ids = _EXERCISE_ID.findall(source)

        def replace(match, ids=ids):
            nonlocal counter
            counter += 1
            indent, region, newline = match.group(1), match.group(2), match.group(3)
            label = ids[0] if len(ids) == 1 else (
                f"{notebook_number}.{counter}" if notebook_number else f"{counter}")
            if stub == "raise":
                body = ["# YOUR CODE HERE",
                        f'raise NotImplementedError("Exercise {label}: your code here")']
            else:
                body, _ = _stub_lines(region, todo)
                body = [f"# YOUR CODE HERE (exercise {label}): replace TODO with your code."]\
                    + body
                if not has_dl:
                    body.insert(1, "from dlnotebooks.exercises import TODO")
            return "\n".join(indent + line for line in body) + newline

        new = _REGION.sub(replace, source)
        cell["source"] = new.splitlines(keepends=True)
    nb.setdefault("metadata", {}).setdefault("dlnotebooks", {})["student_version"] = True
    return nb


def write_student_versions(dest, *, source=None, stub="todo"):
    """Write the student version of every course notebook into ``dest``; return the paths.

    Other course files (``README.md``, data) are copied as they are. Existing files in ``dest``
    are replaced: student versions are generated, not edited.

    Raises
    ------
    ValueError
        ``dest`` is the course folder itself.
    """
    source = (pathlib.Path(source) if source is not None else notebooks_dir()).resolve()
    dest = pathlib.Path(dest).expanduser().resolve()
    if dest == source:
        raise ValueError(f"write_student_versions: dest is the course folder itself; got "
                         f"{dest}. Choose another folder.")
    written = []
    for rel in _course_files(source):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.suffix == ".ipynb":
            nb = json.loads((source / rel).read_text(encoding="utf-8"))
            number = rel.name[:2] if rel.name[:2].isdigit() else None
            nb = make_student_version(nb, notebook_number=number, stub=stub)
            target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                              encoding="utf-8")
        else:
            shutil.copyfile(source / rel, target)
        written.append(target)
    return written


def strip_outputs(nb, *, keep_checked=True):
    """Return notebook JSON (a dict) with outputs stripped except checked text outputs.

    With ``keep_checked=False`` every output goes, checked ones too.
    """
    nb = json.loads(json.dumps(nb))
    nb.get("metadata", {}).pop("widgets", None)
    counter = 0
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        cell["execution_count"] = None
        source = "".join(cell.get("source", ""))
        kept = []
        if keep_checked and CHECK_MARK in source:
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
