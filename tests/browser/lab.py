"""Drive a real JupyterLab in headless Chromium (Playwright) for the browser tests.

``JupyterLab`` starts ``jupyter lab`` on a free port of 127.0.0.1 in a scratch directory and
kills it on exit; ``LabPage`` opens a notebook in a fresh workspace and offers the few actions
the tests need (run all, watch output images, click Stop, wait for a cell). Every wait has a
timeout.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

CHROMIUM = os.environ.get("DLNOTEBOOKS_CHROMIUM", "/usr/bin/chromium")
SKIP_VARIABLE = "DLNOTEBOOKS_SKIP_BROWSER"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """A JupyterLab server for one test session (context manager)."""

    def __init__(self, root, startup_timeout=60):
        self.root = Path(root)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup_timeout = startup_timeout
        self.process = None
        self.log_path = self.root.parent / f"jupyterlab-{self.port}.log"

    def __enter__(self):
        jupyter = Path(sys.executable).with_name("jupyter")
        runtime = self.root.parent / "jupyter-runtime"
        runtime.mkdir(exist_ok=True)
        settings = self.root.parent / "lab-user-settings"
        notification = settings / "@jupyterlab" / "apputils-extension"
        notification.mkdir(parents=True, exist_ok=True)
        (notification / "notification.jupyterlab-settings").write_text(
            json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        # Render every cell: with windowing, JupyterLab hides cells away from the viewport, and
        # a test that goes back to an earlier cell's widgets would find them invisible.
        tracker = settings / "@jupyterlab" / "notebook-extension"
        tracker.mkdir(parents=True, exist_ok=True)
        (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        workspaces = self.root.parent / "lab-workspaces"
        workspaces.mkdir(exist_ok=True)
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime), JUPYTER_PLATFORM_DIRS="1",
                   PYTHONUNBUFFERED="1")
        command = [str(jupyter) if jupyter.exists() else "jupyter", "lab", "--no-browser",
                   "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                   "--ServerApp.port_retries=0", "--IdentityProvider.token=",
                   "--ServerApp.password=", f"--ServerApp.root_dir={self.root}",
                   "--LabApp.news_url=None", "--LabApp.expose_app_in_browser=True",
                   "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                   "--ServerApp.open_browser=False", f"--LabApp.user_settings_dir={settings}",
                   f"--LabApp.workspaces_dir={workspaces}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            command.append("--allow-root")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=env, start_new_session=True)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter lab exited early; log:\n{self.read_log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as reply:
                    json.load(reply)
                    return self
            except OSError:
                time.sleep(0.25)
        self.__exit__(None, None, None)
        raise RuntimeError(f"jupyter lab did not start in {self.startup_timeout} s; log:\n"
                           f"{self.read_log()}")

    def read_log(self):
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def __exit__(self, *exc):
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=10)
        if getattr(self, "log", None) is not None:
            self.log.close()

    def add_notebook(self, source, name=None):
        """Copy a notebook into the server root under a fresh name; return that name."""
        name = name or f"{Path(source).stem}-{uuid.uuid4().hex[:6]}.ipynb"
        shutil.copy(source, self.root / name)
        return name


# JavaScript run in the page: record the monitor's plot-image sources and Stop clicks.
_WATCH = """
() => {
  if (window.__dl) return;
  const dl = window.__dl = {srcs: [], clickT: null, doneT: {}, };
  const scan = () => {
    document.querySelectorAll('.jp-OutputArea-output img.dl-monitor-metrics').forEach(img => {
      const src = img.getAttribute('src');
      if (src && !dl.srcs.includes(src)) dl.srcs.push(src);
    });
  };
  new MutationObserver(scan).observe(document.body,
      {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
  document.addEventListener('click', ev => {
    const b = ev.target.closest && ev.target.closest('button');
    if (b && b.textContent.trim() === 'Stop' && dl.clickT === null) dl.clickT = performance.now();
  }, true);
}
"""


class LabPage:
    """One notebook open in JupyterLab, driven through JupyterLab's own commands."""

    def __init__(self, browser, lab, notebook, screenshots):
        self.lab = lab
        self.screenshots = Path(screenshots)
        self.page = browser.new_page(viewport={"width": 1280, "height": 1000})
        self.page.set_default_timeout(30_000)
        self.errors = []
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        workspace = uuid.uuid4().hex[:8]
        self.page.goto(f"{lab.url}/lab/workspaces/{workspace}/tree/{notebook}?reset",
                       wait_until="domcontentloaded")
        self.page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.sessionContext"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
            " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status"
            " === 'idle'", timeout=60_000)
        self.page.evaluate(_WATCH)

    def command(self, name):
        # Do not return the promise: run-all resolves only when every cell has finished.
        self.page.evaluate(
            f"() => {{ window.jupyterapp.commands.execute({json.dumps(name)}); }}")

    def run_all(self):
        self.command("runmenu:run-all")

    def interrupt(self):
        self.command("kernelmenu:interrupt")

    def prompts(self):
        return self.page.evaluate(
            "() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))"
            ".map(p => p.textContent.trim())")

    def watch_cell_done(self, index):
        """Start recording when code cell ``index`` leaves the running state ``[*]``."""
        self.page.evaluate(
            """(index) => {
              const cell = document.querySelectorAll('.jp-CodeCell')[index];
              const prompt = cell.querySelector('.jp-InputPrompt');
              const check = () => {
                if (!prompt.textContent.includes('*') && window.__dl.doneT[index] === undefined)
                  window.__dl.doneT[index] = performance.now();
              };
              new MutationObserver(check).observe(prompt,
                  {subtree: true, childList: true, characterData: true});
            }""", index)

    def wait_running(self, index, timeout=60):
        self.page.wait_for_function(
            "(i) => { const p = document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')[i];"
            " return p && p.textContent.includes('*'); }", arg=index, timeout=timeout * 1000)

    def wait_done(self, index, timeout=60):
        self.page.wait_for_function(
            "(i) => { const p = document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')[i];"
            " return p && /\\[\\d+\\]/.test(p.textContent); }", arg=index,
            timeout=timeout * 1000)

    def image_sources(self):
        return self.page.evaluate("() => window.__dl.srcs.slice()")

    def wait_image_changes(self, count, timeout=60):
        self.page.wait_for_function(
            f"() => window.__dl.srcs.filter(s => s.startsWith('blob:')).length >= {count}",
            timeout=timeout * 1000)

    def monitor_state(self, index):
        """What the monitor in code cell ``index`` shows: its text, and whether a Stop button
        is visible."""
        return self.page.evaluate(
            """(i) => { const root = document.querySelectorAll('.jp-CodeCell')[i]
                          .querySelector('.dl-monitor-root');
                        if (!root) return null;
                        const stop = root.querySelector('.dl-monitor-stop');
                        return {text: root.innerText,
                                stop_visible: !!(stop && stop.offsetParent !== null)}; }""",
            index)

    def click_stop(self):
        button = self.page.locator(".widget-button", has_text="Stop").first
        button.click(timeout=10_000)

    def timings(self):
        return self.page.evaluate("() => ({click: window.__dl.clickT, done: window.__dl.doneT})")

    def output_text(self, index):
        return self.page.evaluate(
            "(i) => { const c = document.querySelectorAll('.jp-CodeCell')[i];"
            " return c.querySelector('.jp-OutputArea') ?"
            " c.querySelector('.jp-OutputArea').innerText : ''; }", index)

    def count_in_cell(self, index, selector):
        return self.page.evaluate(
            "([i, s]) => document.querySelectorAll('.jp-CodeCell')[i].querySelectorAll(s).length",
            [index, selector])

    def screenshot(self, name, selector=None):
        path = self.screenshots / f"{name}.png"
        if selector:
            self.page.locator(selector).first.screenshot(path=str(path), timeout=10_000)
        else:
            self.page.screenshot(path=str(path))
        return path

    def close(self):
        try:
            self.command("notebook:save")
        except Exception:
            pass
        self.page.close()
