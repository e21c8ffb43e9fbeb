"""The JupyterHub image (``binder/hub/``): its lock, its Dockerfile, and — Docker cannot run
here — its environment: a virtual environment from the hub lock serves ``jupyter server`` on
127.0.0.1, and nbgitpuller's ``git-pull`` clones a local git repository of a course into the
user's folder, then merges an upstream change into the user's edited copy.

The merge cases asserted here are the ones docs/instructor-guide.md describes.
"""

import json
import os
import pathlib
import re
import shlex
import socket
import subprocess
import time
import urllib.parse
import urllib.request

import nbformat
import pytest

from lockfiles import BINDER, ROOT, clean_env, lock_entries, pins, run, venv_from_lock

HUB = BINDER / "hub"
LOCK = HUB / "requirements.txt"


# --- the files --------------------------------------------------------------------------

def test_hub_lock_is_the_binder_lock_plus_the_hub_packages():
    hub, binder = pins(LOCK), pins(BINDER / "requirements.txt")
    for name, version in binder.items():
        assert hub.get(name) == version, f"{name}: hub {hub.get(name)}, Binder {version}"
    assert {"jupyterhub", "nbgitpuller"} <= set(hub)
    assert int(hub["jupyterhub"].split(".")[0]) == 5, "match the z2jh chart's JupyterHub major"
    text = LOCK.read_text()
    blocks = re.split(r"\n(?=\S)", text.split("\n", 2)[2])
    for block in blocks:
        if block.strip() and not block.startswith("#"):
            assert "--hash=sha256:" in block, block.splitlines()[0]


def test_hub_lock_records_the_command_that_regenerates_it():
    header = LOCK.read_text().splitlines()[:2]
    command = header[1].lstrip("# ").strip()
    assert command.startswith("uv pip compile binder/hub/requirements.in ")
    assert "--universal" in command and "--generate-hashes" in command
    assert "--exclude-newer" in command
    assert command in (BINDER / "README.md").read_text()


def test_dockerfile_pins_its_base_and_installs_the_lock_with_hashes():
    text = (HUB / "Dockerfile").read_text()
    base = re.search(r"^FROM (\S+)$", text, re.M).group(1)
    image, _, tag = base.rpartition(":")
    assert image == "quay.io/jupyter/docker-stacks-foundation"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", tag), f"pin a dated tag, not {tag!r}"
    assert "--require-hashes -r /tmp/hub-requirements.txt" in text
    assert "COPY --chown=${NB_UID}:${NB_GID} binder/hub/requirements.txt" in text
    assert re.search(r"pip install --no-cache-dir --no-deps /tmp/dlnotebooks", text)
    assert re.search(r"apt-get install .*\bgit\b", text), "nbgitpuller needs git in the image"
    assert "OPENBLAS_NUM_THREADS=1" in text
    assert 'CMD ["jupyterhub-singleuser"]' in text


# --- the environment ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def hub_env(tmp_path_factory):
    if os.environ.get("DLNOTEBOOKS_SKIP_BINDER") == "1":
        pytest.skip("DLNOTEBOOKS_SKIP_BINDER=1")
    return venv_from_lock(tmp_path_factory, "hub", LOCK)


@pytest.mark.binder
def test_hub_environment_is_consistent(hub_env):
    python = str(hub_env / "bin" / "python")
    run([python, "-m", "pip", "check"], timeout=120)
    listed = json.loads(run([python, "-m", "pip", "list", "--format=json"], timeout=120).stdout)
    installed = {p["name"].lower().replace("_", "-"): p["version"] for p in listed}
    for name, version, marker in lock_entries(LOCK):
        if marker is None:
            assert installed.get(name) == version, (name, installed.get(name), version)
    assert (hub_env / "bin" / "jupyterhub-singleuser").exists()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``jupyter server`` from the hub environment on 127.0.0.1 (loopback only)."""

    def __init__(self, venv, root):
        self.port, self.token = _free_port(), "hub-test-token"
        self.base = f"http://127.0.0.1:{self.port}"
        command = [str(venv / "bin" / "jupyter"), "server", "--no-browser", "--ip=127.0.0.1",
                   f"--port={self.port}", f"--ServerApp.root_dir={root}",
                   f"--IdentityProvider.token={self.token}"]
        if os.geteuid() == 0:
            command.append("--allow-root")
        self.log = open(root.parent / "server.log", "w")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=clean_env(venv, HOME=str(root.parent)), cwd=root)
        deadline = time.monotonic() + 120
        while True:
            try:
                self.get("/api/status")
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("jupyter server did not start:\n" + self.output())
                time.sleep(0.5)

    def output(self):
        self.log.flush()
        return pathlib.Path(self.log.name).read_text()[-4000:]

    def get(self, path, timeout=30):
        request = urllib.request.Request(self.base + path,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()

    def git_pull(self, repo, targetpath):
        """The request nbgitpuller's page makes: an event stream that ends in 'finished'."""
        query = urllib.parse.urlencode({"repo": repo, "branch": "main", "targetpath": targetpath})
        status, body = self.get(f"/git-pull/api?{query}", timeout=300)
        assert status == 200
        events = [json.loads(line[len("data: "):]) for line in body.splitlines()
                  if line.startswith("data: ")]
        assert events and events[-1]["phase"] == "finished", (events, self.output())
        return "".join(e.get("output", "") for e in events)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


def _git(repo, *args):
    return run(["git", "-c", "user.name=Instructor", "-c", "user.email=instructor@example.org",
                "-c", "init.defaultBranch=main", *args], cwd=repo, timeout=60).stdout


def _lesson(path, sources):
    """A notebook whose cells are ``sources``, written the way Jupyter writes notebooks."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(sources[0])] + [
        nbformat.v4.new_code_cell(s) for s in sources[1:]]
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
    nbformat.write(nb, path)


def _edit_cell(path, index, source):
    """What a user (or the instructor) does in JupyterLab: change one cell, save."""
    nb = nbformat.read(path, as_version=4)
    nb.cells[index].source = source
    nbformat.write(nb, path)


def _sources(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    return [cell.source for cell in nb.cells]


@pytest.mark.binder
def test_nbgitpuller_clones_then_merges_upstream_changes(hub_env, tmp_path):
    upstream = tmp_path / "course"
    (upstream / "notebooks").mkdir(parents=True)
    _git(upstream, "init", "-q")
    lesson = [f"# Lesson {i}" if i == 0 else f"x{i} = {i}\nprint(x{i})" for i in range(12)]
    for name in ("01_a", "02_b", "03_c", "04_d"):
        _lesson(upstream / "notebooks" / f"{name}.ipynb", lesson)
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "-q", "-m", "course v1")

    home = tmp_path / "home" / "jovyan"
    home.mkdir(parents=True)
    server = Server(hub_env, home)
    try:
        # The page a participant's link opens (it then calls the API below from JavaScript).
        status, page = server.get("/git-pull?" + urllib.parse.urlencode(
            {"repo": upstream.as_uri(), "branch": "main", "urlpath": "lab/tree/course"}))
        assert status == 200 and "git-pull" in page

        # First click: the course is cloned into the user's folder.
        server.git_pull(upstream.as_uri(), "course")
        mine = home / "course" / "notebooks"
        assert sorted(p.name for p in mine.glob("*.ipynb")) == [
            "01_a.ipynb", "02_b.ipynb", "03_c.ipynb", "04_d.ipynb"]

        # The participant works: edits two lessons, deletes one, and creates a notebook whose
        # name the instructor will later use too.
        _edit_cell(mine / "01_a.ipynb", 2, "x2 = 'my answer'")
        _edit_cell(mine / "02_b.ipynb", 5, "x5 = 'my version'")
        _edit_cell(mine / "04_d.ipynb", 3, "x3 = 'my work'")
        (mine / "03_c.ipynb").unlink()
        _lesson(mine / "05_e.ipynb", ["# my own notes", "y = 1"])

        # The instructor publishes a fix to 01 (another cell), a change to 02 (the same cell the
        # participant changed), deletes 04 and adds a lesson 05.
        course = upstream / "notebooks"
        _edit_cell(course / "01_a.ipynb", 9, "x9 = 'fixed by the instructor'")
        _edit_cell(course / "02_b.ipynb", 5, "x5 = 'instructor version'")
        _edit_cell(course / "02_b.ipynb", 10, "x10 = 'instructor, elsewhere'")
        (course / "04_d.ipynb").unlink()
        _lesson(course / "05_e.ipynb", ["# Lesson 5", "z = 5"])
        _git(upstream, "add", "-A")
        _git(upstream, "commit", "-q", "-m", "course v2")

        # Second click: update.
        server.git_pull(upstream.as_uri(), "course")
    finally:
        server.stop()

    # Edits in different cells merge: both the participant's and the instructor's are there.
    merged = _sources(mine / "01_a.ipynb")
    assert merged[2] == "x2 = 'my answer'" and merged[9] == "x9 = 'fixed by the instructor'"
    # Both changed the same cell: the participant's version wins, the rest of the fix merges.
    both = _sources(mine / "02_b.ipynb")
    assert both[5] == "x5 = 'my version'" and both[10] == "x10 = 'instructor, elsewhere'"
    # A lesson the participant deleted comes back fresh (how to "start over" a lesson).
    assert _sources(mine / "03_c.ipynb") == lesson
    # A lesson the instructor deleted but the participant had edited is kept.
    assert _sources(mine / "04_d.ipynb")[3] == "x3 = 'my work'"
    # The instructor's new lesson arrives; the participant's file of the same name is renamed
    # with a timestamp, not overwritten.
    assert _sources(mine / "05_e.ipynb") == ["# Lesson 5", "z = 5"]
    renamed = [p for p in mine.glob("05_e__*.ipynb")]
    assert len(renamed) == 1 and re.fullmatch(r"05_e__\d{14}\.ipynb", renamed[0].name)
    assert _sources(renamed[0]) == ["# my own notes", "y = 1"]


# --- the guide's Zero to JupyterHub values -------------------------------------------------

def _guide_values():
    import yaml

    guide = (ROOT / "docs" / "instructor-guide.md").read_text()
    blocks = [b for b in re.findall(r"```yaml\n(.*?)```", guide, re.S) if "singleuser:" in b]
    assert len(blocks) == 1, "the guide should have one example values.yaml"
    return yaml.safe_load(blocks[0]), guide


def test_guide_values_use_the_hub_image_and_pair_the_org_login_with_read_org():
    values, guide = _guide_values()
    github = values["hub"]["config"]["GitHubOAuthenticator"]
    assert github["allowed_organizations"] and github["scope"] == ["read:org"]
    single = values["singleuser"]
    assert single["image"]["name"].endswith("dlnotebooks-hub")
    assert f"-t {single['image']['name']}:{single['image']['tag']} ." in guide
    assert "docker build -f binder/hub/Dockerfile" in guide
    assert single["extraEnv"]["OPENBLAS_NUM_THREADS"] == "1"
    assert values["cull"]["enabled"] is True


def test_guide_values_leave_room_for_what_capacity_py_measured():
    """The guarantees and limits must fit the measured sizes the guide quotes next to them."""
    values, guide = _guide_values()
    units = {"K": 1e3, "M": 1e6, "G": 1e9}

    def size(text):
        return float(text[:-1]) * units[text[-1]]

    memory, cpu = values["singleuser"]["memory"], values["singleuser"]["cpu"]
    section = guide.split("### Capacity, measured", 1)[1].split("\n### ", 1)[0]
    server = float(re.search(r"idle Jupyter server takes (\d+) MB", section).group(1))
    peaks = [float(m) for m in re.findall(r"\| (\d+) MB \|", section)]
    assert peaks, "the capacity table lost its peak-memory column"
    assert size(memory["guarantee"]) >= (server + max(peaks)) * 1e6
    assert size(memory["limit"]) >= 1e9 + server * 1e6, "room for a lesson within the 1 GB budget"
    assert 0 < cpu["guarantee"] <= cpu["limit"] <= 2
