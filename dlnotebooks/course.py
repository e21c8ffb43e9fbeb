"""The course's notebooks: where they are, writable copies, learner and instructor versions.

- :func:`notebooks_dir` finds the course: ``notebooks/`` of a source checkout, or the copy
  that a (non-editable) install puts under ``share/dlnotebooks/notebooks``. These are the
  *learner* versions: each exercise cell holds a stub (``def name(...):`` over ``...``).
- :func:`copy_course` makes a writable copy for a learner without touching the originals, and
  never overwrites notebooks the learner already has; ``reset=True`` replaces them but first
  keeps the learner's version as a numbered backup that no later reset overwrites.
- :func:`make_instructor_version` puts each exercise's solution, taken from its one source in
  ``dlnotebooks.exercises``, into the stub's place between nbgrader's ``### BEGIN SOLUTION`` /
  ``### END SOLUTION`` markers and adds nbgrader metadata and a locked autograder test cell
  (``dlnotebooks instructor DIR``); :func:`make_learner_version` goes back.
- ``python -m dlnotebooks.course strip NOTEBOOK...`` keeps only the plain-text outputs of cells
  marked ``# NBVAL_CHECK_OUTPUT`` or tagged ``nbval-check-output`` (what nbval compares) and
  removes everything else: images, widget state, execution counts.
  ``python -m dlnotebooks.course learner NOTEBOOK...`` turns solved notebooks (solution
  regions) back into learner versions in place.
"""

import json
import pathlib
import re
import shutil
import sys

__all__ = ["notebooks_dir", "strip_outputs", "copy_course", "make_learner_version",
           "make_instructor_version", "write_instructor_versions", "course_notebooks",
           "backups_of"]

CHECK_MARK = "NBVAL_CHECK_OUTPUT"
#: nbval's cell tag for a checked output: the learner notebooks' check cells carry it, so
#: nbval asserts that each check says "not yet" without a comment in the learner's cell.
CHECK_TAG = "nbval-check-output"
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
    copies and each learner's version that differs from the fresh copy is first kept beside it
    as ``STEM.backup-N.SUFFIX`` (``03_custom_training_loop.backup-1.ipynb``, still a notebook
    Jupyter opens), with N one more than the highest existing backup: no reset ever
    overwrites a backup.

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
        Paths relative to ``dest``: files written, and existing files left untouched. The
        backups a reset made are in :func:`backups_of`.

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
        if target.exists() and target.read_bytes() != (source / rel).read_bytes():
            shutil.copy2(target, _next_backup(target))
        shutil.copyfile(source / rel, target)
        copied.append(rel)
    return copied, kept


_BACKUP = re.compile(r"^(?P<stem>.+)\.backup-(?P<n>\d+)(?P<suffix>(\.[^.]*)?)$")


def backups_of(path):
    """The backups ``copy_course(reset=True)`` made of ``path``, oldest first."""
    path = pathlib.Path(path)
    found = []
    for candidate in path.parent.glob(f"{path.stem}.backup-*{path.suffix}"):
        match = _BACKUP.match(candidate.name)
        if match and match["stem"] == path.stem and match["suffix"] == path.suffix:
            found.append((int(match["n"]), candidate))
    return [p for _, p in sorted(found)]


def _next_backup(path):
    existing = backups_of(path)
    n = int(_BACKUP.match(existing[-1].name)["n"]) + 1 if existing else 1
    return path.with_name(f"{path.stem}.backup-{n}{path.suffix}")


def _exercise_of(cell):
    """The exercise id of an exercise cell (``exercises.get("NN.k")`` in a code cell), or None."""
    if cell.get("cell_type") != "code":
        return None
    ids = _EXERCISE_ID.findall("".join(cell.get("source", "")))
    return ids[0] if len(ids) == 1 else None


def _exercises():
    from .exercises import all_exercises

    return all_exercises()


def _set_source(cell, text):
    cell["source"] = text.splitlines(keepends=True)


def make_learner_version(nb):
    """Return the learner version of notebook JSON ``nb`` (a dict; ``nb`` is not modified).

    Every solution region (``### BEGIN SOLUTION`` … ``### END SOLUTION``, nbgrader's markers) of
    an exercise cell becomes the exercise's stub: the ``def`` line over ``...``, or
    ``name = ...``; nbgrader's autograder test cells (``grade_id`` ``ex-NN-k-test``) are
    removed, and so is the nbgrader metadata. The course's own ``notebooks/`` are this version;
    the function turns a solved notebook back into it.

    Raises
    ------
    ValueError
        A solution region in a cell that is not an exercise cell.
    """
    nb = json.loads(json.dumps(nb))
    exercises = _exercises()
    cells = []
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        grade_id = meta.get("nbgrader", {}).get("grade_id", "")
        if grade_id.startswith("ex-") and grade_id.endswith("-test"):
            continue
        meta.pop("nbgrader", None)
        meta.pop("editable", None)
        meta.pop("deletable", None)
        source = "".join(cell.get("source", ""))
        if BEGIN_SOLUTION in source:
            eid = _exercise_of(cell)
            if eid is None or eid not in exercises:
                raise ValueError(f"make_learner_version: a solution region is not in an exercise "
                                 f"cell; got a cell starting {source[:60]!r}. Put each "
                                 "exercise in its own cell with dl.exercises.get(\"NN.k\").")
            stub = exercises[eid].stub

            def unmark(match, stub=stub):
                indent, newline = match.group(1), match.group(3)
                if indent:  # the body of a function whose def line stays
                    return f"{indent}...  # your code here{newline}"
                return stub + newline

            _set_source(cell, _REGION.sub(unmark, source))
        eid = _exercise_of(cell)
        if eid in exercises and exercises[eid].stub in "".join(cell["source"]):
            _expect_not_yet(cell, exercises[eid])
        cells.append(cell)
    nb["cells"] = cells
    nb.get("metadata", {}).pop("dlnotebooks", None)
    return strip_outputs(nb, keep_checked=True)


def _expect_not_yet(cell, ex):
    """Tag an exercise cell that ends with its check for nbval and store the output it must
    give while it holds its stub: the check's "not yet"."""
    last = "".join(cell["source"]).rstrip().splitlines()[-1]
    if ".check(" not in last:
        return
    tags = cell["metadata"].setdefault("tags", [])
    if CHECK_TAG not in tags:
        tags.append(CHECK_TAG)
    feedback = ex.check(...)
    cell["outputs"] = [{"output_type": "execute_result", "execution_count": None, "metadata": {},
                        "data": {"text/plain": repr(feedback),
                                 "text/html": feedback._repr_html_()}}]


def _nbgrader(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


#: The autograder test cell of one exercise: the check's own feedback is the failure message.
TEST_CELL = """\
# Autograder test of exercise {eid} ({points:g} point{s}): a failure shows the check's feedback.
feedback = dl.exercises.get("{eid}").check({answers})
assert feedback.passed, str(feedback)
"""


def make_instructor_version(nb, *, points=1):
    """Return the solved version of a learner notebook as an nbgrader *source* notebook.

    - Each exercise cell's stub becomes the solution from the exercise module (its one
      source) between ``### BEGIN SOLUTION`` and ``### END SOLUTION``; the cell is an
      autograded answer cell, grade id ``ex-NN-k-answer``.
    - After it, a locked autograder test cell (grade id ``ex-NN-k-test``, ``points`` points)
      asserts the check with the check's feedback as the failure message.
    - Every other cell is read-only (locked), with grade id ``cell-<cell id>``.
    - Outputs are removed; nbgrader cell metadata has schema version 3 (nbgrader 0.9).

    Raises
    ------
    ValueError
        An exercise cell no longer holds its stub (the notebook was edited by hand), or a
        notebook has no exercise for an id it uses.
    """
    nb = strip_outputs(nb, keep_checked=False)
    exercises = _exercises()
    cells = []
    for k, cell in enumerate(nb.get("cells", [])):
        meta = cell.setdefault("metadata", {})
        tags = [t for t in meta.get("tags", []) if t != CHECK_TAG]
        if tags:
            meta["tags"] = tags
        else:
            meta.pop("tags", None)
        eid = _exercise_of(cell)
        if eid is None:
            meta["nbgrader"] = _nbgrader(cell.get("id") or f"cell-{k}", locked=True)
            cells.append(cell)
            continue
        if eid not in exercises:
            raise ValueError(f"make_instructor_version: exercise {eid} is used by a cell but not "
                             "registered in dlnotebooks.exercises.")
        ex = exercises[eid]
        source = "".join(cell.get("source", ""))
        if ex.stub not in source:
            raise ValueError(f"make_instructor_version: the cell of exercise {eid} does not hold "
                             f"its stub; got {source!r}. Expected the lines {ex.stub!r} (run "
                             "`python -m dlnotebooks.course learner NOTEBOOK` to restore them).")
        _set_source(cell, source.replace(ex.stub, ex.marked_solution, 1))
        slug = eid.replace(".", "-")
        meta["nbgrader"] = _nbgrader(f"ex-{slug}-answer", solution=True)
        cells.append(cell)
        test = TEST_CELL.format(eid=eid, points=points, s="" if points == 1 else "s",
                                answers=", ".join(ex.answer_names))
        cells.append({"cell_type": "code", "execution_count": None, "id": f"ex-{slug}-test",
                      "metadata": {"nbgrader": _nbgrader(f"ex-{slug}-test", grade=True,
                                                         locked=True, points=points)},
                      "outputs": [], "source": test.rstrip("\n").splitlines(keepends=True)})
    nb["cells"] = cells
    nb.setdefault("metadata", {}).setdefault("dlnotebooks", {})["version"] = "instructor"
    return nb


def write_instructor_versions(dest, *, source=None, points=1):
    """Write the solved nbgrader source version of every course notebook into ``dest``.

    Other course files (``README.md``) are copied as they are. Existing files in ``dest`` are
    replaced: these versions are generated, not edited.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ValueError
        ``dest`` is the course folder itself.
    """
    source = (pathlib.Path(source) if source is not None else notebooks_dir()).resolve()
    dest = pathlib.Path(dest).expanduser().resolve()
    if dest == source:
        raise ValueError(f"write_instructor_versions: dest is the course folder itself; got "
                         f"{dest}. Choose another folder: the course folder holds the learner "
                         "versions.")
    written = []
    for rel in _course_files(source):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if rel.suffix == ".ipynb":
            nb = json.loads((source / rel).read_text(encoding="utf-8"))
            nb = make_instructor_version(nb, points=points)
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
        checked = CHECK_MARK in source or CHECK_TAG in cell.get("metadata", {}).get("tags", [])
        if keep_checked and checked:
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stdout":
                    kept.append(out)
                elif out.get("output_type") == "execute_result":
                    data = {k: v for k, v in out.get("data", {}).items()
                            if k in ("text/plain", "text/html")}
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
    if len(argv) < 2 or argv[0] not in ("strip", "learner"):
        print("usage: python -m dlnotebooks.course {strip,learner} NOTEBOOK...", file=sys.stderr)
        return 2
    convert = strip_outputs if argv[0] == "strip" else make_learner_version
    for name in argv[1:]:
        path = pathlib.Path(name)
        nb = convert(json.loads(path.read_text()))
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
