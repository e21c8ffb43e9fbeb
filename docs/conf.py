"""Sphinx configuration of the dlnotebooks site (Sphinx + myst-nb).

Build it from the repository root with ``sphinx-build -W -b html docs docs/_build/html``.
It needs no network. The course pages are the notebooks of ``notebooks/``, copied into
``docs/course/notebooks/`` at build time and executed by myst-nb with a jupyter-cache in
``docs/_build/.jupyter_cache`` (a notebook runs again only when its code changed).
``DLNOTEBOOKS_DOCS_EXECUTE`` chooses the execution mode: ``cache`` (default), ``force``, or
``off`` (render the notebooks without outputs: a quick check of everything else).
"""

import os
import pathlib
import shutil
import sys

DOCS = pathlib.Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

import dlnotebooks  # noqa: E402

project = "dlnotebooks"
author = "the dlnotebooks authors"
copyright = "the dlnotebooks authors"
release = version = dlnotebooks.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]

exclude_patterns = ["_build", "README.md", "Thumbs.db", ".DS_Store", "**.ipynb_checkpoints"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
html_theme = "alabaster"
html_title = f"dlnotebooks {release}"
html_static_path = []

# --- the course: copy the notebooks into the source tree, execute them with a cache ---------
_COURSE = DOCS / "course" / "notebooks"
if _COURSE.exists():
    shutil.rmtree(_COURSE)
_COURSE.mkdir(parents=True)
for _nb in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
    shutil.copyfile(_nb, _COURSE / _nb.name)

_MODES = {"cache": "cache", "force": "force", "off": "off"}
nb_execution_mode = _MODES.get(os.environ.get("DLNOTEBOOKS_DOCS_EXECUTE", "cache"), "cache")
nb_execution_cache_path = str(DOCS / "_build" / ".jupyter_cache")
nb_execution_timeout = 300
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
nb_kernel_rgx_aliases = {".*": "python3"}
# Executed notebooks inherit this environment: no BLAS thread pools fighting over 2 cores.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# --- API reference: NumPy-style docstrings, with the project's own sections ----------------
autodoc_member_order = "bysource"
autodoc_typehints = "none"
autodoc_default_options = {"members": False}
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# Parameters as a plain field list: their type texts ("list of layers") are prose, not links.
napoleon_use_param = False
napoleon_custom_sections = ["MATLAB compatibility", "Derivative", "Shapes", "Formats"]

nitpicky = False

# --- launch links: the repository the Binder, Colab and nbgitpuller links point at --------
#: GitHub "owner/name" of this repository (change it in one place for a fork).
GITHUB_REPO = os.environ.get("DLNOTEBOOKS_GITHUB_REPO", "dlnotebooks/dlnotebooks")
WELCOME = "notebooks/00_welcome.ipynb"
myst_enable_extensions.append("substitution")
myst_substitutions = {
    "github_repo": GITHUB_REPO,
    "binder_url": f"https://mybinder.org/v2/gh/{GITHUB_REPO}/HEAD?urlpath=lab/tree/{WELCOME}",
    "colab_url": f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/main/{WELCOME}",
}
myst_substitutions["colab_link"] = (
    f"[the welcome notebook on Colab]({myst_substitutions['colab_url']})")
myst_substitutions["colab_install"] = f'`%pip install "git+https://github.com/{GITHUB_REPO}"`'
BINDER_BADGE = "https://mybinder.org/badge_logo.svg"
myst_substitutions["binder_badge"] = (
    f"[![Launch on Binder]({BINDER_BADGE})]({myst_substitutions['binder_url']})")
