"""The course tools: writable copies (``dlnotebooks copy``/``lab``), student versions
(``dlnotebooks student``) and the ``TODO`` placeholder that ``Exercise.check`` reports as not
yet done."""

import argparse
import io
import json
import os
import pathlib
import subprocess
import sys

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


# --- the TODO placeholder -------------------------------------------------------------------

def test_check_reports_todo_as_not_yet_done_without_running_the_checker():
    feedback = dl.exercises.get("03.1").check(TODO)
    assert not feedback.passed
    assert "not yet" in repr(feedback) and "TODO" in repr(feedback)


@pytest.mark.parametrize("answer", [TODO(1, 2), TODO.attr[0] + 1, (1, TODO), {"W": TODO}, -TODO])
def test_todo_survives_calls_indexing_arithmetic_and_containers(answer):
    assert not dl.exercises.get("00.1").check(answer).passed
    assert "replace TODO" in repr(dl.exercises.get("00.1").check(answer))


def test_real_answers_are_still_checked():
    ex = dl.exercises.get("03.1")
    assert ex.check(ex.reference()).passed
    assert "replace TODO" not in repr(ex.check(ex.wrong_answers[0]()))


# --- student versions -------------------------------------------------------------------

def test_student_version_stubs_a_function_and_keeps_its_signature():
    nb = _nb('import dlnotebooks as dl\n',
             'ex1 = dl.exercises.get("03.1")\n\n### BEGIN SOLUTION\n'
             'def rate(initial, decay,\n         iteration):\n    """doc"""\n'
             '    return initial / (1 + decay * iteration)\n### END SOLUTION\n\nex1.check(rate)\n')
    student = course.make_student_version(nb)
    src = _source(student, 1)
    assert "BEGIN SOLUTION" not in src and "return initial" not in src
    assert "rate = dl.exercises.TODO" in src
    assert "#     def rate(initial, decay," in src and "#              iteration):" in src
    assert "exercise 03.1" in src and src.rstrip().endswith("ex1.check(rate)")
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in student["cells"])
    assert student["metadata"]["dlnotebooks"]["student_version"] is True
    assert "return initial" in _source(nb, 1)  # the input is not modified


def test_student_version_stubs_every_bound_name_inside_an_indented_region():
    nb = _nb('def f(x):\n    y = x\n    ### BEGIN SOLUTION\n    a, b = x, y\n'
             '    for k in range(2):\n'
             '        c = k\n    return a + b\n    ### END SOLUTION\n')
    src = _source(course.make_student_version(nb, notebook_number="07"), 0)
    assert ("    a = TODO\n    b = TODO\n    k = TODO\n    c = TODO\n    return TODO\n" in src)
    assert "from dlnotebooks.exercises import TODO" in src  # no `import dlnotebooks as dl`
    assert "exercise 07.1" in src
    namespace = {}
    exec(src, namespace)
    assert namespace["f"](1) is TODO


def test_student_version_with_the_nbgrader_stub_raises():
    nb = _nb('### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\n')
    src = _source(course.make_student_version(nb, notebook_number="05", stub="raise"), 0)
    assert 'raise NotImplementedError("Exercise 05.1: your code here")' in src
    with pytest.raises(ValueError, match="stub must be"):
        course.make_student_version(nb, stub="blank")


def test_every_course_notebook_has_a_runnable_student_version(tmp_path):
    from IPython.core.inputtransformer2 import TransformerManager

    notebooks = course.course_notebooks()
    assert notebooks, "no course notebooks found"
    written = course.write_student_versions(tmp_path)
    assert {p.name for p in written} >= {p.name for p in notebooks}
    for path in notebooks:
        original = json.loads(path.read_text())
        student = json.loads((tmp_path / path.name).read_text())
        regions = sum(_source(original, k).count(course.BEGIN_SOLUTION)
                      for k in range(len(original["cells"])))
        stubs = sum(_source(student, k).count("YOUR CODE HERE")
                    for k in range(len(student["cells"])))
        assert stubs == regions, path.name
        for k, cell in enumerate(student["cells"]):
            text = _source(student, k)
            assert course.BEGIN_SOLUTION not in text
            if cell["cell_type"] == "code":
                compile(TransformerManager().transform_cell(text), f"{path.name}[{k}]", "exec")


def test_student_versions_run_under_nbval_and_report_not_yet(tmp_path):
    """The welcome notebook's student version runs under nbval; its checks say "not yet"."""
    course.write_student_versions(tmp_path)
    welcome = next(tmp_path.glob("00_*.ipynb"))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-c", os.devnull,
         "--rootdir", str(tmp_path), "--nbval-lax", "--nbval-current-env", str(welcome)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(welcome, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = ["".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                       for o in c.get("outputs", [])) for c in nb.cells if c.cell_type == "code"]
    stubbed = [c for c in nb.cells if c.cell_type == "code" and "YOUR CODE HERE" in c.source
               and ".check(" in c.source]
    not_yet = [t for t in outputs if "not yet" in t]
    assert stubbed and len(not_yet) == len(stubbed)
    assert all("replace TODO" in t for t in not_yet)


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
    assert (dest / "00_a.ipynb.bak").read_text() == "my answers"
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


def test_student_command_writes_the_student_versions(tmp_path):
    status, out = _run("student", str(tmp_path / "s"))
    assert status == 0 and "student notebook" in out
    assert len(list((tmp_path / "s").glob("*.ipynb"))) == len(course.course_notebooks())
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
    assert main(["lab", "--dry-run", "--dir", str(tmp_path / "l")]) == 0
    assert "jupyterlab" in capsys.readouterr().out
