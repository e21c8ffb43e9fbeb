"""``dlnotebooks doctor``: check that widgets will render and the Stop button will work.

Widgets need three pieces that are installed separately and must agree: the kernel-side
``ipywidgets``, the JupyterLab front-end extension ``jupyterlab_widgets`` (with its files under
``share/jupyter/labextensions``), and JupyterLab itself. The monitor's Stop button also relies
on the ``ipykernel`` versions its browser test covers. Each check prints ``ok``, ``warn`` or
``FAIL`` with the exact command that fixes it.
"""

import json
import sys
from collections import namedtuple
from importlib import metadata

__all__ = ["doctor", "run_checks", "Check"]

Check = namedtuple("Check", ["status", "name", "detail", "fix"])
Check.__doc__ = """One result: ``status`` is "ok", "warn" or "FAIL"; ``fix`` a command or ""."""

#: ipykernel versions covered by the real-browser test of the Stop button: [low, high).
IPYKERNEL_TESTED = ((7, 4), (7, 5))
PIP = f"{sys.executable} -m pip install"
#: Major version of the npm front end @jupyter-widgets/jupyterlab-manager for ipywidgets 8.
FRONT_END_MAJOR = 5


def _version(package):
    """Installed version string of a distribution, or None (does not import it)."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _major_minor(version):
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    while len(parts) < 2:
        parts.append(0)
    return tuple(parts)


def _labextension_dirs():
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return [f"{sys.prefix}/share/jupyter/labextensions"]
    return jupyter_path("labextensions")


def _widget_labextension_version():
    """Version of the installed @jupyter-widgets/jupyterlab-manager front end, or None."""
    import os

    for directory in _labextension_dirs():
        path = os.path.join(directory, "@jupyter-widgets", "jupyterlab-manager", "package.json")
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return json.load(handle).get("version")
    return None


def _kernel_python():
    """The Python executable of the default "python3" kernel, or None when unknown."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager

        spec = KernelSpecManager().get_kernel_spec("python3")
    except Exception:
        return None
    return spec.argv[0] if spec.argv else None


def run_checks():
    """Run every check and return a list of :class:`Check` (no output, nothing installed)."""
    checks = []
    add = checks.append

    if sys.version_info >= (3, 10):
        add(Check("ok", "python", sys.version.split()[0], ""))
    else:
        add(Check("FAIL", "python", sys.version.split()[0] + " (3.10 or newer needed)",
                  "install Python 3.10 or newer and create a fresh environment"))

    widgets = _version("ipywidgets")
    if widgets is None:
        add(Check("FAIL", "ipywidgets", "not installed", f"{PIP} 'ipywidgets>=8,<9'"))
    elif _major_minor(widgets)[0] != 8:
        add(Check("FAIL", "ipywidgets", f"{widgets} (version 8 needed)",
                  f"{PIP} 'ipywidgets>=8,<9' 'jupyterlab_widgets>=3,<4'"))
    else:
        add(Check("ok", "ipywidgets", widgets, ""))

    lab = _version("jupyterlab")
    if lab is None:
        add(Check("FAIL", "jupyterlab", "not installed", f"{PIP} 'jupyterlab>=4'"))
    elif _major_minor(lab)[0] < 4:
        add(Check("FAIL", "jupyterlab", f"{lab} (version 4 or newer needed)",
                  f"{PIP} -U 'jupyterlab>=4'"))
    else:
        add(Check("ok", "jupyterlab", lab, ""))

    manager = _version("jupyterlab_widgets")
    files = _widget_labextension_version()
    if manager is None:
        add(Check("FAIL", "jupyterlab_widgets", "not installed (widgets show as text)",
                  f"{PIP} 'jupyterlab_widgets>=3,<4'"))
    elif _major_minor(manager)[0] != 3:
        add(Check("FAIL", "jupyterlab_widgets",
                  f"{manager} does not match ipywidgets 8 (needs 3.x)",
                  f"{PIP} 'jupyterlab_widgets>=3,<4'"))
    elif files is None:
        add(Check("FAIL", "widget front end",
                  "jupyterlab_widgets is installed but its labextension files are missing",
                  f"{PIP} --force-reinstall 'jupyterlab_widgets>=3,<4'"))
    elif _major_minor(files)[0] != FRONT_END_MAJOR:
        add(Check("FAIL", "widget front end",
                  f"@jupyter-widgets/jupyterlab-manager files are version {files}; ipywidgets 8 "
                  f"needs {FRONT_END_MAJOR}.x (an old copy shadows jupyterlab_widgets {manager})",
                  f"jupyter labextension list; {PIP} --force-reinstall "
                  f"'jupyterlab_widgets=={manager}'"))
    else:
        add(Check("ok", "jupyterlab_widgets", f"{manager} (front end {files} installed)", ""))

    kernel = _version("ipykernel")
    low, high = IPYKERNEL_TESTED
    tested = f">={low[0]}.{low[1]},<{high[0]}.{high[1]}"
    if kernel is None:
        add(Check("FAIL", "ipykernel", "not installed", f"{PIP} 'ipykernel{tested}'"))
    elif not low <= _major_minor(kernel) < high:
        add(Check("warn", "ipykernel",
                  f"{kernel} is outside the tested range {tested}: the monitor's Stop button "
                  "may act only after the running cell",
                  f"{PIP} 'ipykernel{tested}'"))
    else:
        add(Check("ok", "ipykernel", f"{kernel} (Stop button tested)", ""))

    kernel_python = _kernel_python()
    if kernel_python is not None and kernel_python not in ("python", "python3",
                                                           sys.executable):
        add(Check("warn", "python3 kernel",
                  f"runs {kernel_python}, not this Python ({sys.executable})",
                  f"{sys.executable} -m ipykernel install --user --name python3"))

    mpl = _version("matplotlib")
    if mpl is None:
        add(Check("FAIL", "matplotlib", "not installed", f"{PIP} 'matplotlib>=3.7'"))
    else:
        add(Check("ok", "matplotlib", mpl, ""))
    return checks


def doctor(file=None):
    """Check the environment for widgets and the monitor's Stop button; print a report.

    Parameters
    ----------
    file : file-like, optional
        Where to print (default: ``sys.stdout``).

    Returns
    -------
    ok : bool
        True when no check failed (warnings allowed).

    Notes
    -----
    Reads installed package metadata and the widget front end's files; it starts no kernel or
    server and installs nothing. From a shell: ``dlnotebooks doctor`` (exit status 1 when a
    check fails).

    MATLAB compatibility
    --------------------
    No MATLAB equivalent; the MATLAB desktop ships its plots built in.

    Examples
    --------
    >>> from dlnotebooks.doctor import run_checks
    >>> sorted({c.status for c in run_checks()} - {"ok", "warn", "FAIL"})
    []
    """
    out = file if file is not None else sys.stdout
    checks = run_checks()
    width = max(len(c.name) for c in checks)
    for check in checks:
        print(f"{check.status:4}  {check.name:<{width}}  {check.detail}", file=out)
        if check.fix:
            print(f"{'':4}  {'':<{width}}  fix: {check.fix}", file=out)
    failed = [c for c in checks if c.status == "FAIL"]
    if failed:
        print(f"\n{len(failed)} problem(s): run the fix commands above, then restart "
              "JupyterLab and reload the browser tab.", file=out)
    else:
        print("\nWidgets should render in JupyterLab. If they still show as text, reload the "
              "browser tab and check the browser console.", file=out)
    return not failed
