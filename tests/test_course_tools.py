"""The course tools: writable copies (``dlnotebooks copy``/``lab``) with backups, learner and
instructor (nbgrader source) versions, and the stubs that ``Exercise.check`` reports as not yet
done."""

import argparse
import io
import json
import pathlib
import re
import subprocess

import numpy as np
import pytest

import dlnotebooks as dl
from dlnotebooks import course
from dlnotebooks.cli import add_course_commands, lab_command

ROOT = pathlib.Path(__file__).resolve().parents[1]
TODO = dl.exercises.TODO


def _parse(*argv):
    parser = argparse.ArgumentParser(prog="dlnotebooks")
    add_course_commands(parser.add_subparsers(dest="command"))
    return parser.parse_args(list(argv))


def _run(*argv):
    args = _parse(*argv)
    out = io.StringIO()
    return args._run(args, out=out), out.getvalue()


def _nb(*cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": 3, "source": src,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": "x\n"}]}
        for src in cells]}


def _source(nb, k):
    return "".join(nb["cells"][k]["source"])


# --- stubs and the TODO placeholder ------------------------------------------------------

def _run_cell(code, namespace=None):
    namespace = {"dl": dl, "np": np} if namespace is None else namespace
    exec(compile(code, "<cell>", "exec"), namespace)
    return namespace


def test_check_reports_todo_as_not_yet_done_without_running_the_checker():
    feedback = dl.exercises.get("03.1").check(TODO)
    assert not feedback.passed
    assert "not yet" in repr(feedback) and "not done yet" in repr(feedback)


@pytest.mark.parametrize("answer", [TODO(1, 2), TODO.attr[0] + 1, (1, TODO), {"W": TODO}, -TODO,
                                    ..., (..., 1)])
def test_placeholders_survive_calls_indexing_arithmetic_and_containers(answer):
    feedback = dl.exercises.get("00.1").check(answer)
    assert not feedback.passed and "not done yet" in repr(feedback)


def test_real_answers_are_still_checked():
    ex = dl.exercises.get("03.1")
    assert ex.check(ex.reference()).passed
    assert "not done yet" not in repr(ex.check(ex.wrong_answers[0]()))


@pytest.mark.parametrize("eid", ["02.1", "00.1", "09.2"])
def test_a_stub_says_not_yet_and_writing_the_code_is_enough(eid):
    ex = dl.exercises.get(eid)
    names = ex.answer_names
    earlier = {"people": dl.exercises.get("00.1").reference()}
    stubbed = _run_cell(ex.stub, {"dl": dl, "np": np, **earlier})
    feedback = ex.check(*[stubbed[n] for n in names])
    assert not feedback.passed and "not done yet" in repr(feedback) and "`...`" in repr(feedback)
    # The learner writes the body below the `...` line (or the value over the `...`): nothing
    # left over keeps the exercise "not done".
    if ex.stub.startswith("def"):
        body = ex.solution_code.split(":\n", 1)[1]
        answered = ex.stub + "\n" + body
    else:
        answered = ex.solution_code
    from dlnotebooks.exercises.nb00 import PEOPLE

    namespace = _run_cell(answered, {"dl": dl, "np": np, "PEOPLE": PEOPLE, **earlier})
    feedback = ex.check(*[namespace[n] for n in names])
    assert feedback.passed, repr(feedback)


def test_the_solution_shown_is_the_code_the_tests_run():
    """One source: ``ex.solution()`` is the source of the function ``ex.reference()`` returns."""
    import inspect

    for eid, ex in dl.exercises.all_exercises().items():
        reference = ex.reference()
        if callable(reference) and not ex.stub.endswith("= ...  # your code here"):
            assert inspect.getsource(reference).strip() == str(ex.solution()), eid
        assert str(ex.solution()) in ex.marked_solution.replace(
            "    ### BEGIN SOLUTION\n", "").replace("\n    ### END SOLUTION", "").replace(
            "### BEGIN SOLUTION\n", "").replace("\n### END SOLUTION", ""), eid


# --- learner and instructor versions ----------------------------------------------------

def test_the_course_notebooks_are_learner_versions_with_one_stub_per_exercise():
    exercises = dl.exercises.all_exercises()
    seen = set()
    for path in course.course_notebooks():
        nb = json.loads(path.read_text())
        for k, cell in enumerate(nb["cells"]):
            text = _source(nb, k)
            assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, (path.name, k)
            found = re.findall(r'exercises\.get\("(\d+\.\d+)"\)', text)
            if cell["cell_type"] != "code" or not found:
                continue
            (eid,) = found
            seen.add(eid)
            ex = exercises[eid]
            assert ex.stub in text, (path.name, eid)
            assert course.CHECK_TAG in cell["metadata"].get("tags", []), (path.name, eid)
            (out,) = cell["outputs"]
            assert out["data"]["text/plain"] == repr(ex.check(...)), (path.name, eid)
        # the learner version is what the instructor version turns back into
        back = course.make_learner_version(course.make_instructor_version(nb))
        assert [c["source"] for c in back["cells"]] == [c["source"] for c in nb["cells"]]
    assert seen == set(exercises)


def test_instructor_version_is_an_nbgrader_source_notebook():
    nb = json.loads((course.notebooks_dir() / "02_automatic_differentiation.ipynb").read_text())
    solved = course.make_instructor_version(nb, points=2)
    nbgraderformat = pytest.importorskip("nbgrader.nbgraderformat")
    import nbformat

    nbgraderformat.MetadataValidator().validate_nb(nbformat.from_dict(solved))
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: c for c in solved["cells"]}
    answer, test = by_id["ex-02-1-answer"], by_id["ex-02-1-test"]
    assert answer["metadata"]["nbgrader"] == {"grade": False, "grade_id": "ex-02-1-answer",
                                              "locked": False, "schema_version": 3,
                                              "solution": True}
    assert test["metadata"]["nbgrader"] == {"grade": True, "grade_id": "ex-02-1-test",
                                            "locked": True, "points": 2, "schema_version": 3,
                                            "solution": False}
    assert solved["cells"].index(test) == solved["cells"].index(answer) + 1
    src = "".join(answer["source"])
    assert dl.exercises.get("02.1").marked_solution in src
    assert src.index("def regularized_loss") < src.index("### BEGIN SOLUTION")  # the def stays
    others = [c for c in solved["cells"] if not c["metadata"]["nbgrader"]["grade_id"]
              .startswith("ex-")]
    assert others and all(c["metadata"]["nbgrader"]["locked"] for c in others)
    assert all(c["outputs"] == [] for c in solved["cells"] if c["cell_type"] == "code")
    assert all(course.CHECK_TAG not in c["metadata"].get("tags", []) for c in solved["cells"])


def test_the_autograder_test_fails_with_the_checks_feedback():
    nb = json.loads((course.notebooks_dir() / "02_automatic_differentiation.ipynb").read_text())
    solved = course.make_instructor_version(nb)
    by_id = {c["metadata"]["nbgrader"]["grade_id"]: "".join(c["source"])
             for c in solved["cells"]}
    namespace = _run_cell(by_id["ex-02-2-answer"])
    _run_cell(by_id["ex-02-2-test"], namespace)  # the solution passes
    namespace["curvature"] = lambda x: dl.dlgradient(np.sin(x) * x ** 2, x)
    with pytest.raises(AssertionError, match=r"Exercise 02.2: not yet.\n  - at x = 0.5 you "
                                             r"returned the first derivative"):
        _run_cell(by_id["ex-02-2-test"], namespace)


def test_instructor_command_writes_solved_notebooks_not_over_the_course(tmp_path):
    status, out = _run("instructor", str(tmp_path / "i"))
    assert status == 0 and "15 solved notebook" in out.replace(
        str(len(course.course_notebooks())), "15")
    names = {p.name for p in (tmp_path / "i").glob("*.ipynb")}
    assert names == {p.name for p in course.course_notebooks()}
    text = (tmp_path / "i" / "03_custom_training_loop.ipynb").read_text()
    assert "### BEGIN SOLUTION" in text and "ex-03-1-test" in text
    status, _ = _run("instructor", str(course.notebooks_dir()))
    assert status == 1  # never over the learner versions
    with pytest.raises(ValueError, match="write_instructor_versions: dest is the course folder"):
        course.write_instructor_versions(course.notebooks_dir())


def test_instructor_version_refuses_a_cell_without_its_stub():
    nb = json.loads((course.notebooks_dir() / "00_welcome.ipynb").read_text())
    for cell in nb["cells"]:
        if '"00.1"' in "".join(cell["source"]):
            cell["source"] = "".join(cell["source"]).replace("people = ...", "people = 3")
    with pytest.raises(ValueError, match=r"make_instructor_version: the cell of exercise 00.1 "
                                         r"does not hold its stub"):
        course.make_instructor_version(nb)


def test_learner_version_refuses_a_solution_region_outside_an_exercise_cell():
    nb = _nb('### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\n')
    with pytest.raises(ValueError, match="make_learner_version: a solution region is not in an "
                                         "exercise cell"):
        course.make_learner_version(nb)


# --- copies of the course ---------------------------------------------------------------

def test_copy_course_keeps_the_learners_edits_and_adds_new_lessons(tmp_path):
    source = tmp_path / "course"
    source.mkdir()
    (source / "00_a.ipynb").write_text("A0")
    (source / "01_b.ipynb").write_text("B0")
    (source / ".ipynb_checkpoints").mkdir()
    (source / ".ipynb_checkpoints" / "00_a-checkpoint.ipynb").write_text("junk")
    dest = tmp_path / "mine"
    copied, kept = course.copy_course(dest, source=source)
    assert sorted(map(str, copied)) == ["00_a.ipynb", "01_b.ipynb"] and kept == []
    (dest / "00_a.ipynb").write_text("my answers")
    (source / "02_c.ipynb").write_text("C0")
    copied, kept = course.copy_course(dest, source=source)
    assert list(map(str, copied)) == ["02_c.ipynb"]
    assert (dest / "00_a.ipynb").read_text() == "my answers"
    assert not (dest / ".ipynb_checkpoints").exists()
    copied, kept = course.copy_course(dest, source=source, reset=True)
    assert (dest / "00_a.ipynb").read_text() == "A0"
    assert [p.name for p in course.backups_of(dest / "00_a.ipynb")] == ["00_a.backup-1.ipynb"]
    assert (dest / "00_a.backup-1.ipynb").read_text() == "my answers"
    with pytest.raises(ValueError, match="course folder itself"):
        course.copy_course(source, source=source)


def test_copy_command_copies_the_real_course(tmp_path):
    status, out = _run("copy", str(tmp_path / "c"))
    assert status == 0
    names = {p.name for p in (tmp_path / "c").glob("*.ipynb")}
    assert names == {p.name for p in course.notebooks_dir().glob("*.ipynb")}
    status, out = _run("copy", str(tmp_path / "c"))
    assert status == 0 and "kept" in out and "copied" not in out
    assert (course.notebooks_dir() / "00_welcome.ipynb").is_file()


def test_lab_dry_run_copies_nothing_and_shows_the_command(tmp_path):
    status, out = _run("lab", "--dir", str(tmp_path / "lab"), "--dry-run", "--", "--no-browser")
    assert status == 0
    assert not (tmp_path / "lab").exists()
    assert "-m jupyterlab" in out and f"--ServerApp.root_dir={tmp_path / 'lab'}" in out
    assert "--LabApp.default_url=/lab/tree/00_welcome.ipynb" in out and "--no-browser" in out


def test_lab_copies_then_starts_jupyterlab_in_the_copy(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(subprocess, "call", lambda cmd, **kw: calls.append((cmd, kw)) or 0)
    status, out = _run("lab", "--dir", str(tmp_path / "lab"))
    assert status == 0
    (command, kwargs), = calls
    assert command == lab_command(tmp_path / "lab")
    assert kwargs["cwd"] == tmp_path / "lab"
    assert (tmp_path / "lab" / "00_welcome.ipynb").is_file()


def test_lab_without_jupyterlab_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "jupyterlab" else real(name, *a))
    monkeypatch.setattr(subprocess, "call", lambda *a, **k: pytest.fail("started jupyter"))
    status, _ = _run("lab", "--dir", str(tmp_path / "lab"))
    assert status == 1 and "pip install" in capsys.readouterr().err
    assert not (tmp_path / "lab").exists()


def test_two_resets_in_a_row_keep_every_version_the_learner_wrote(tmp_path):
    source = tmp_path / "course"
    source.mkdir()
    (source / "03_x.ipynb").write_text("pristine")
    dest = tmp_path / "mine"
    course.copy_course(dest, source=source)
    (dest / "03_x.ipynb").write_text("first attempt")
    course.copy_course(dest, source=source, reset=True)
    (dest / "03_x.ipynb").write_text("second attempt")
    course.copy_course(dest, source=source, reset=True)
    course.copy_course(dest, source=source, reset=True)  # nothing new: no backup of pristine
    backups = course.backups_of(dest / "03_x.ipynb")
    assert [p.read_text() for p in backups] == ["first attempt", "second attempt"]
    assert (dest / "03_x.ipynb").read_text() == "pristine"


def test_copy_reset_command_names_the_backups(tmp_path):
    dest = tmp_path / "c"
    assert _run("copy", str(dest))[0] == 0
    (dest / "01_dlarray_and_formats.ipynb").write_text("mine 1")
    status, out = _run("copy", str(dest), "--reset")
    assert status == 0 and "01_dlarray_and_formats.backup-1.ipynb" in out
    (dest / "01_dlarray_and_formats.ipynb").write_text("mine 2")
    status, out = _run("copy", str(dest), "--reset")
    assert "01_dlarray_and_formats.backup-2.ipynb" in out and "backup-1" not in out
    assert (dest / "01_dlarray_and_formats.backup-1.ipynb").read_text() == "mine 1"
    assert (dest / "01_dlarray_and_formats.backup-2.ipynb").read_text() == "mine 2"


def test_student_command_is_an_alias_of_copy(tmp_path):
    status, out = _run("student", str(tmp_path / "s"))
    assert status == 0 and "learner versions" in out
    assert {p.name for p in (tmp_path / "s").glob("*.ipynb")} == {
        p.name for p in course.course_notebooks()}
    status, _ = _run("student", str(course.notebooks_dir()))
    assert status == 1  # never over the originals


def test_notebooks_dir_falls_back_to_the_installed_copy(tmp_path, monkeypatch):
    share = tmp_path / "share" / "dlnotebooks" / "notebooks"
    share.mkdir(parents=True)
    (share / "00_welcome.ipynb").write_text("{}")

    class Entry(str):
        def locate(self):
            return tmp_path / "site" / ".." / self

    from importlib import metadata
    monkeypatch.setattr(metadata, "files",
                        lambda name: [Entry("share/dlnotebooks/notebooks/00_welcome.ipynb")])
    monkeypatch.setattr(course, "__file__", str(tmp_path / "site" / "dlnotebooks" / "course.py"))
    (tmp_path / "site").mkdir()
    assert course.notebooks_dir() == share.resolve()


def test_the_dlnotebooks_command_has_the_course_commands(tmp_path, capsys):
    from dlnotebooks.__main__ import main

    assert main(["copy", str(tmp_path / "c")]) == 0
    assert (tmp_path / "c" / "00_welcome.ipynb").is_file()
    assert main(["student", str(tmp_path / "s")]) == 0
    assert main(["instructor", str(tmp_path / "i")]) == 0
    assert main(["lab", "--dry-run", "--dir", str(tmp_path / "l")]) == 0
    assert "jupyterlab" in capsys.readouterr().out


def test_lab_reset_twice_keeps_both_earlier_versions(tmp_path, monkeypatch):
    monkeypatch.setattr(subprocess, "call", lambda cmd, **kw: 0)
    lab = tmp_path / "lab"
    assert _run("lab", "--dir", str(lab))[0] == 0
    for attempt in ("attempt 1", "attempt 2"):
        (lab / "02_automatic_differentiation.ipynb").write_text(attempt)
        status, out = _run("lab", "--dir", str(lab), "--reset")
        assert status == 0 and "backup" in out
    backups = course.backups_of(lab / "02_automatic_differentiation.ipynb")
    assert [p.read_text() for p in backups] == ["attempt 1", "attempt 2"]
