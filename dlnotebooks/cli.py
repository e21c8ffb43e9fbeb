"""The course commands of ``dlnotebooks``: ``lab``, ``copy DIR`` and ``student DIR``.

:func:`add_course_commands` registers them on the ``add_subparsers()`` object of the
``dlnotebooks`` parser (``dlnotebooks/__main__.py``); each ``cmd_*`` function takes the parsed
arguments and returns an exit status.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

__all__ = ["add_course_commands", "cmd_lab", "cmd_copy", "cmd_student", "DEFAULT_COURSE_DIR"]

#: Where ``dlnotebooks lab`` keeps the learner's writable copy of the course.
DEFAULT_COURSE_DIR = "~/dlnotebooks-course"


def _report_copy(dest, copied, kept, out):
    print(f"Course folder: {dest}", file=out)
    if copied:
        print(f"  copied {len(copied)} file(s): " + ", ".join(str(p) for p in copied), file=out)
    if kept:
        print(f"  kept {len(kept)} file(s) you already have, unchanged (use --reset for fresh "
              "copies; yours are then kept as NAME.bak)", file=out)


def cmd_copy(args, out=None):
    """``dlnotebooks copy DIR [--reset]``: a writable copy of the course in DIR."""
    from .course import copy_course

    out = out or sys.stdout
    dest = pathlib.Path(args.dir).expanduser().resolve()
    try:
        copied, kept = copy_course(dest, reset=args.reset)
    except (ValueError, FileNotFoundError) as err:
        print(f"dlnotebooks copy: {err}", file=sys.stderr)
        return 1
    _report_copy(dest, copied, kept, out)
    return 0


def lab_command(course_dir, extra=(), *, source=None):
    """The command ``dlnotebooks lab`` runs: JupyterLab rooted at ``course_dir``, opening the
    welcome notebook (``00_*.ipynb`` of the course ``source``)."""
    from .course import course_notebooks

    command = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={course_dir}"]
    welcome = [p for p in course_notebooks(source) if p.name.startswith("00_")]
    if welcome:
        command.append(f"--LabApp.default_url=/lab/tree/{welcome[0].name}")
    return command + list(extra)


def cmd_lab(args, out=None):
    """``dlnotebooks lab [--dir DIR] [--reset] [--dry-run] [-- JUPYTER ARGS]``.

    Copies the course to a writable folder (default ``~/dlnotebooks-course``; notebooks you
    already have there are kept as they are, so your work survives updates) and starts
    JupyterLab in it. ``--dry-run`` prints what it would do and starts nothing.
    """
    from .course import copy_course, notebooks_dir

    out = out or sys.stdout
    dest = pathlib.Path(args.dir or DEFAULT_COURSE_DIR).expanduser().resolve()
    extra = [a for a in (args.jupyter_args or []) if a != "--"]
    if args.dry_run:
        try:
            source = notebooks_dir()
        except FileNotFoundError as err:
            print(f"dlnotebooks lab: {err}", file=sys.stderr)
            return 1
        print(f"would copy the course from {source} to {dest} (keeping files that exist)",
              file=out)
        print("would run: " + " ".join(lab_command(dest, extra, source=source)), file=out)
        return 0
    if importlib.util.find_spec("jupyterlab") is None:
        print("dlnotebooks lab: JupyterLab is not installed in this environment; install it "
              f"with `{sys.executable} -m pip install 'jupyterlab>=4'` (or the package's [lab] "
              "extra), or use `dlnotebooks copy DIR` and open DIR in your own Jupyter.",
              file=sys.stderr)
        return 1
    try:
        copied, kept = copy_course(dest, reset=args.reset)
    except (ValueError, FileNotFoundError) as err:
        print(f"dlnotebooks lab: {err}", file=sys.stderr)
        return 1
    _report_copy(dest, copied, kept, out)
    command = lab_command(dest, extra)
    print("Starting: " + " ".join(command), file=out)
    out.flush()
    try:
        return subprocess.call(command, cwd=dest, env=dict(os.environ))
    except KeyboardInterrupt:
        return 0


def cmd_student(args, out=None):
    """``dlnotebooks student DIR [--stub todo|raise]``: student versions of the notebooks."""
    from .course import write_student_versions

    out = out or sys.stdout
    try:
        written = write_student_versions(args.dir, source=args.source, stub=args.stub)
    except (ValueError, FileNotFoundError) as err:
        print(f"dlnotebooks student: {err}", file=sys.stderr)
        return 1
    notebooks = [p for p in written if p.suffix == ".ipynb"]
    print(f"Wrote {len(notebooks)} student notebook(s) to "
          f"{pathlib.Path(args.dir).expanduser().resolve()}", file=out)
    return 0


def _configure_lab(parser):
    parser.description = (
        "Copy the course to a writable folder and open it in JupyterLab. Notebooks that "
        "already exist in the folder are kept as they are (your edits survive); new lessons "
        "are added. The originals are never modified.")
    parser.add_argument("--dir", default=None,
                        help=f"course folder (default {DEFAULT_COURSE_DIR})")
    parser.add_argument("--reset", action="store_true",
                        help="replace existing notebooks with fresh copies (yours become .bak)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would happen, copy nothing, start nothing")
    parser.add_argument("jupyter_args", nargs="*",
                        help="extra arguments for jupyter lab, after --, e.g. -- --no-browser")


def _configure_copy(parser):
    parser.description = ("Copy the course notebooks into DIR (created if needed), keeping "
                          "notebooks that already exist there.")
    parser.add_argument("dir", help="destination folder")
    parser.add_argument("--reset", action="store_true",
                        help="replace existing notebooks with fresh copies (yours become .bak)")


def _configure_student(parser):
    parser.description = (
        "Write student versions of the notebooks into DIR: each region between "
        "'### BEGIN SOLUTION' and '### END SOLUTION' (nbgrader's markers) becomes a stub and "
        "outputs are removed. With the default stub the exercise checks report 'not yet' and "
        "the notebooks still run top to bottom.")
    parser.add_argument("dir", help="destination folder (replaced files are regenerated)")
    parser.add_argument("--source", default=None,
                        help="course folder to read (default: the installed course)")
    parser.add_argument("--stub", choices=("todo", "raise"), default="todo",
                        help="todo: answers become dl.exercises.TODO (default); raise: "
                             "nbgrader-style raise NotImplementedError()")


_COMMANDS = [
    ("lab", "open the course in JupyterLab (from a writable copy)", _configure_lab, cmd_lab),
    ("copy", "copy the course to DIR", _configure_copy, cmd_copy),
    ("student", "write student versions (solutions replaced by stubs) to DIR",
     _configure_student, cmd_student),
]


def add_course_commands(subparsers):
    """Register ``lab``, ``copy`` and ``student`` on an ``argparse`` subparsers object.

    Each subcommand's defaults carry ``_run``, the function to call with the parsed args.
    """
    for name, help_text, configure, run in _COMMANDS:
        sub = subparsers.add_parser(name, help=help_text)
        configure(sub)
        sub.set_defaults(_run=run)
    return subparsers
