"""Command line: ``dlnotebooks <command>`` (also ``python -m dlnotebooks <command>``).

Each command is a small function that takes the parsed arguments and returns an exit status;
:data:`COMMANDS` lists them and :func:`main` builds the parser from that list. To add a command
(``lab``, ``copy DIR``, ``student``), write ``_configure_<name>(parser)`` (its arguments) and
``_run_<name>(args) -> int`` and add one :class:`Command` entry; register only implemented
commands.
"""

import argparse
import sys
from collections import namedtuple

Command = namedtuple("Command", ["name", "help", "configure", "run"])


def _configure_doctor(parser):
    parser.description = ("Check that JupyterLab, ipywidgets and the widget front end are "
                          "installed and compatible, and print the exact fix when not.")


def _run_doctor(args):
    from .doctor import doctor

    return 0 if doctor() else 1


COMMANDS = [
    Command("doctor", "check that widgets will render (prints fixes)", _configure_doctor,
            _run_doctor),
]


def build_parser():
    parser = argparse.ArgumentParser(
        prog="dlnotebooks",
        description="dlnotebooks: MATLAB-style deep learning on NumPy, with a Jupyter course.")
    commands = parser.add_subparsers(dest="command", metavar="command")
    for command in COMMANDS:
        sub = commands.add_parser(command.name, help=command.help)
        command.configure(sub)
        sub.set_defaults(_run=command.run)
    from .cli import add_course_commands

    add_course_commands(commands)
    return parser


def main(argv=None):
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    return args._run(args)


if __name__ == "__main__":
    sys.exit(main())
