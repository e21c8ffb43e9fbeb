"""``dlnotebooks doctor``: the checks, their fixes, and the command line."""

import io
import subprocess
import sys

import pytest

from dlnotebooks import __main__ as cli
from dlnotebooks import doctor as doc


def _fake_versions(monkeypatch, **versions):
    real = doc._version

    def version(package):
        if package in versions:
            return versions[package]
        return real(package)

    monkeypatch.setattr(doc, "_version", version)


def _by_name(checks):
    return {c.name: c for c in checks}


def test_this_environment_passes():
    out = io.StringIO()
    assert doc.doctor(file=out) is True
    text = out.getvalue()
    for name in ("ipywidgets", "jupyterlab", "jupyterlab_widgets", "ipykernel", "matplotlib"):
        assert f"ok    {name}" in text
    assert "Widgets should render" in text


def test_missing_ipywidgets_prints_the_install_command(monkeypatch):
    _fake_versions(monkeypatch, ipywidgets=None)
    out = io.StringIO()
    assert doc.doctor(file=out) is False
    text = out.getvalue()
    assert "FAIL  ipywidgets" in text and "not installed" in text
    assert "fix: " in text and "-m pip install 'ipywidgets>=8,<9'" in text
    assert "1 problem(s)" in text


@pytest.mark.parametrize("versions, name, detail, fix", [
    ({"ipywidgets": "7.8.1"}, "ipywidgets", "7.8.1 (version 8 needed)",
     "'ipywidgets>=8,<9' 'jupyterlab_widgets>=3,<4'"),
    ({"jupyterlab": None}, "jupyterlab", "not installed", "'jupyterlab>=4'"),
    ({"jupyterlab": "3.6.7"}, "jupyterlab", "3.6.7 (version 4 or newer needed)",
     "-U 'jupyterlab>=4'"),
    ({"jupyterlab_widgets": None}, "jupyterlab_widgets", "not installed",
     "'jupyterlab_widgets>=3,<4'"),
    ({"jupyterlab_widgets": "1.1.1"}, "jupyterlab_widgets", "1.1.1 does not match ipywidgets 8",
     "'jupyterlab_widgets>=3,<4'"),
    ({"ipykernel": None}, "ipykernel", "not installed", "'ipykernel>=7.4,<7.5'"),
    ({"matplotlib": None}, "matplotlib", "not installed", "'matplotlib>=3.7'"),
])
def test_failures_name_the_fix(monkeypatch, versions, name, detail, fix):
    _fake_versions(monkeypatch, **versions)
    check = _by_name(doc.run_checks())[name]
    assert check.status == "FAIL"
    assert detail in check.detail
    assert fix in check.fix and check.fix.startswith(sys.executable)


def test_untested_ipykernel_is_a_warning(monkeypatch):
    _fake_versions(monkeypatch, ipykernel="6.29.5")
    check = _by_name(doc.run_checks())["ipykernel"]
    assert check.status == "warn" and "outside the tested range" in check.detail
    assert doc.doctor(file=io.StringIO()) is True


def test_missing_or_mismatched_front_end_files(monkeypatch):
    monkeypatch.setattr(doc, "_widget_labextension_version", lambda: None)
    check = _by_name(doc.run_checks())["widget front end"]
    assert check.status == "FAIL" and "--force-reinstall" in check.fix
    monkeypatch.setattr(doc, "_widget_labextension_version", lambda: "2.0.0")
    check = _by_name(doc.run_checks())["widget front end"]
    assert "jupyterlab-manager files are version 2.0.0" in check.detail


def test_kernel_running_another_python_is_a_warning(monkeypatch):
    monkeypatch.setattr(doc, "_kernel_python", lambda: "/opt/other/bin/python")
    check = _by_name(doc.run_checks())["python3 kernel"]
    assert check.status == "warn" and "ipykernel install --user --name python3" in check.fix


def test_version_parsing():
    assert doc._major_minor("7.4.0") == (7, 4)
    assert doc._major_minor("8") == (8, 0)
    assert doc._major_minor("4.0.0rc1") == (4, 0)


def test_command_line(capsys):
    assert cli.main(["doctor"]) == 0
    assert "ipywidgets" in capsys.readouterr().out
    assert cli.main([]) == 2
    assert "doctor" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["no-such-command"])
    capsys.readouterr()


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "dlnotebooks", "doctor"], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "jupyterlab_widgets" in out.stdout
