"""The course commands of ``dlnotebooks``: ``lab``, ``copy DIR``, ``instructor DIR`` (and
``student DIR``, an alias of ``copy DIR`` kept for instructors' old notes: the course's
notebooks are the learner versions).

:func:`add_course_commands` registers them on the ``add_subparsers()`` object of the
``dlnotebooks`` parser (``dlnotebooks/__main__.py``); each ``cmd_*`` function takes the parsed
arguments and returns an exit status.
"""

import importlib.util
import os
import pathlib
import subprocess
import sys

__all__ = ["add_course_commands", "cmd_lab", "cmd_copy", "cmd_instructor", "cmd_student",
           "DEFAULT_COURSE_DIR"]

#: Where ``dlnotebooks lab`` keeps the learner's writable copy of the course.
DEFAULT_COURSE_DIR = "~/dlnotebooks-course"


def _report_copy(dest, copied, kept, out, backups=()):
    print(f"Course folder: {dest}", file=out)
    if copied:
        print(f"  copied {len(copied)} file(s): " + ", ".join(str(p) for p in copied), file=out)
    if backups:
        print("  your earlier versions are kept as: " + ", ".join(str(p) for p in backups),
              file=out)
    if kept:
        print(f"  kept {len(kept)} file(s) you already have, unchanged (use --reset for fresh "
              "copies; yours are then kept as NAME.backup-N.ipynb)", file=out)


def _copy(dest, reset):
    """copy_course, plus the backups a reset made (new ones only)."""
    from .course import backups_of, copy_course

    before = {p for p in dest.rglob("*.backup-*")} if dest.is_dir() else set()
    copied, kept = copy_course(dest, reset=reset)
    backups = sorted({b.relative_to(dest) for rel in copied for b in backups_of(dest / rel)}
                     - {p.relative_to(dest) for p in before})
    return copied, kept, backups


def cmd_copy(args, out=None):
    """``dlnotebooks copy DIR [--reset]``: a writable copy of the course in DIR."""
    out = out or sys.stdout
    dest = pathlib.Path(args.dir).expanduser().resolve()
    name = getattr(args, "command", None) or "copy"
    try:
        copied, kept, backups = _copy(dest, args.reset)
    except (ValueError, FileNotFoundError) as err:
        print(f"dlnotebooks {name}: {err}", file=sys.stderr)
        return 1
    _report_copy(dest, copied, kept, out, backups)
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
    from .course import notebooks_dir

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
        copied, kept, backups = _copy(dest, args.reset)
    except (ValueError, FileNotFoundError) as err:
        print(f"dlnotebooks lab: {err}", file=sys.stderr)
        return 1
    _report_copy(dest, copied, kept, out, backups)
    command = lab_command(dest, extra)
    print("Starting: " + " ".join(command), file=out)
    out.flush()
    try:
        return subprocess.call(command, cwd=dest, env=dict(os.environ))
    except KeyboardInterrupt:
        return 0


def cmd_instructor(args, out=None):
    """``dlnotebooks instructor DIR [--points N]``: the solved notebooks, as nbgrader source."""
    from .course import write_instructor_versions

    out = out or sys.stdout
    try:
        written = write_instructor_versions(args.dir, source=args.source, points=args.points)
    except (ValueError, FileNotFoundError) as err:
        print(f"dlnotebooks instructor: {err}", file=sys.stderr)
        return 1
    notebooks = [p for p in written if p.suffix == ".ipynb"]
    dest = pathlib.Path(args.dir).expanduser().resolve()
    print(f"Wrote {len(notebooks)} solved notebook(s) (nbgrader source versions) to {dest}",
          file=out)
    print("  for nbgrader: copy the ones you assign to source/<assignment>/ of your course and "
          "run `nbgrader generate_assignment <assignment>`", file=out)
    return 0


def cmd_student(args, out=None):
    """``dlnotebooks student DIR``: an alias of ``copy DIR`` (the course is the learner
    version)."""
    out = out or sys.stdout
    print("dlnotebooks student: the course's notebooks are the learner versions; copying them "
          "(same as `dlnotebooks copy DIR`).", file=out)
    return cmd_copy(args, out)


def _configure_lab(parser):
    parser.description = (
        "Copy the course to a writable folder and open it in JupyterLab. Notebooks that "
        "already exist in the folder are kept as they are (your edits survive); new lessons "
        "are added. The originals are never modified.")
    parser.add_argument("--dir", default=None,
                        help=f"course folder (default {DEFAULT_COURSE_DIR})")
    parser.add_argument("--reset", action="store_true",
                        help="replace existing notebooks with fresh copies (yours are kept as "
                             "NAME.backup-N.ipynb; no backup is ever overwritten)")
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would happen, copy nothing, start nothing")
    parser.add_argument("jupyter_args", nargs="*",
                        help="extra arguments for jupyter lab, after --, e.g. -- --no-browser")


def _configure_copy(parser):
    parser.description = ("Copy the course notebooks (the learner versions: exercises blank) "
                          "into DIR (created if needed), keeping notebooks that already exist "
                          "there.")
    parser.add_argument("dir", help="destination folder")
    parser.add_argument("--reset", action="store_true",
                        help="replace existing notebooks with fresh copies (yours are kept as "
                             "NAME.backup-N.ipynb; no backup is ever overwritten)")


def _configure_instructor(parser):
    parser.description = (
        "Write the solved notebooks into DIR as nbgrader source notebooks: each exercise's "
        "solution (from its one source in dlnotebooks.exercises) between '### BEGIN SOLUTION' "
        "and '### END SOLUTION' in an autograded answer cell, followed by a locked autograder "
        "test cell whose failure message is the check's feedback; every other cell read-only. "
        "Files in DIR are replaced.")
    parser.add_argument("dir", help="destination folder (not the course folder itself)")
    parser.add_argument("--source", default=None,
                        help="learner course folder to read (default: the installed course)")
    parser.add_argument("--points", type=float, default=1,
                        help="points per exercise for nbgrader (default 1)")


def _configure_student(parser):
    parser.description = ("Alias of `dlnotebooks copy DIR`: the course's notebooks are the "
                          "learner versions (exercises blank).")
    parser.add_argument("dir", help="destination folder")
    parser.add_argument("--reset", action="store_true",
                        help="replace existing notebooks with fresh copies (yours are kept as "
                             "NAME.backup-N.ipynb)")


_COMMANDS = [
    ("lab", "open the course in JupyterLab (from a writable copy)", _configure_lab, cmd_lab),
    ("copy", "copy the course to DIR", _configure_copy, cmd_copy),
    ("instructor", "write the solved notebooks (nbgrader source versions) to DIR",
     _configure_instructor, cmd_instructor),
    ("student", "alias of copy: the course notebooks are the learner versions",
     _configure_student, cmd_student),
]


def add_course_commands(subparsers):
    """Register ``lab``, ``copy``, ``instructor`` and ``student`` on an ``argparse`` subparsers
    object.

    Each subcommand's defaults carry ``_run``, the function to call with the parsed args.
    """
    for name, help_text, configure, run in _COMMANDS:
        sub = subparsers.add_parser(name, help=help_text)
        configure(sub)
        sub.set_defaults(_run=run)
    return subparsers
