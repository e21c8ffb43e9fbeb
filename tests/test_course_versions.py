"""Both versions of the course run: the solved (instructor) notebooks top to bottom with every
check passing, and the nbgrader pipeline on the instructor output.

The learner versions are the course's own ``notebooks/``: the notebooks tier runs them under
nbval, and each exercise cell is tagged ``nbval-check-output`` with the check's "not yet" as
its stored output, so that run asserts that no exercise passes and no cell errors.
"""

import csv
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import pytest

from dlnotebooks import course

NOTEBOOKS = course.course_notebooks()


def _outputs_text(cell):
    return "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
                   for o in cell.get("outputs", []))


@pytest.fixture(scope="module")
def solved_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("solved")
    course.write_instructor_versions(folder)
    return folder


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_solved_notebook_runs_with_every_check_passing(path, solved_dir):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(solved_dir / path.name, as_version=4)
    # The autograder test cells assert each check, so any failing check stops the run here.
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(solved_dir)}}).execute()
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert answers, path.name
    for cell in answers:
        if cell.source.rstrip().splitlines()[-1].lstrip().startswith("ex"):
            assert "correct — well done" in _outputs_text(cell), (path.name, cell.source)


# --- nbgrader -------------------------------------------------------------------------------

ASSIGNMENT = ["01_dlarray_and_formats.ipynb", "02_automatic_differentiation.ipynb"]


def _nbgrader(root, *args, timeout=900):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    # nbgrader runs `alembic` (its database migrations) as a program: it must be on PATH.
    env["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent), env["PATH"]])
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args,
                             f"--CourseDirectory.root={root}"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def _scores(root):
    _nbgrader(root, "export", "--to", str(root / "grades.csv"))
    with open(root / "grades.csv") as fh:
        return {row["student_id"]: (float(row["raw_score"]), float(row["max_score"]))
                for row in csv.DictReader(fh)}


@pytest.mark.slow
def test_nbgrader_pipeline_on_the_instructor_output(tmp_path):
    pytest.importorskip("nbgrader")
    import nbformat

    root = tmp_path / "course"
    source = root / "source" / "ps1"
    source.mkdir(parents=True)
    status = subprocess.run([sys.executable, "-m", "dlnotebooks", "instructor",
                             str(tmp_path / "solved")], capture_output=True, text=True)
    assert status.returncode == 0, status.stderr
    for name in ASSIGNMENT:
        shutil.copy(tmp_path / "solved" / name, source / name)
    _nbgrader(root, "generate_assignment", "ps1")
    release = root / "release" / "ps1"
    for name in ASSIGNMENT:
        text = (release / name).read_text()
        assert "BEGIN SOLUTION" not in text and "raise NotImplementedError()" in text

    def submit(student, make):
        folder = root / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        for name in ASSIGNMENT:
            nb = make(name)
            nbformat.write(nb, folder / name)

    # full marks: the solved source, as a student who wrote the solutions would submit it
    submit("solver", lambda name: nbformat.read(source / name, as_version=4))
    # zero: the untouched release
    submit("blank", lambda name: nbformat.read(release / name, as_version=4))

    # partial: the solved source with exercise 02.2 answered with the first derivative only
    def one_wrong(name):
        nb = nbformat.read(source / name, as_version=4)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader", {}).get("grade_id") == "ex-02-2-answer":
                cell.source = cell.source.replace(
                    "return dl.dlgradient(dydx, x)", "return dydx")
        return nb
    submit("one-wrong", one_wrong)

    started = time.perf_counter()
    _nbgrader(root, "autograde", "ps1", "--create", "--force")
    seconds = time.perf_counter() - started
    print(f"autograde of 3 submissions x {len(ASSIGNMENT)} notebooks: {seconds:.1f} s")

    scores = _scores(root)
    total = scores["solver"][1]
    assert total == 4  # two exercises per notebook, one point each
    assert scores["solver"][0] == total
    assert scores["blank"][0] == 0
    assert scores["one-wrong"][0] == total - 1

    _nbgrader(root, "generate_feedback", "ps1")
    feedback = (root / "feedback" / "one-wrong" / "ps1" / ASSIGNMENT[1].replace(
        ".ipynb", ".html")).read_text()
    assert "Exercise 02.2: not yet." in feedback
    assert "you returned the first derivative" in feedback
    cells = json.loads((root / "autograded" / "one-wrong" / "ps1" / ASSIGNMENT[1]).read_text())
    errors = [o for c in cells["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert [e["ename"] for e in errors] == ["AssertionError"]
