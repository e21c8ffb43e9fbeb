"""The README's two commands stay true: CI runs exactly the README's test command."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _commands():
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.*?)\n```", text, re.S)


def test_readme_has_course_and_test_commands():
    commands = _commands()
    assert any("jupyter lab" in c or "dlnotebooks lab" in c for c in commands)
    assert any("pytest" in c for c in commands)


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = next(c for c in _commands() if "pytest" in c)
    ci = (ROOT / ".ci" / "run").read_text()
    assert test_command.strip() in ci.splitlines()


def test_readme_course_folder_exists():
    assert (ROOT / "notebooks").is_dir()
