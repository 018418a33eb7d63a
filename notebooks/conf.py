"""Sphinx configuration for the tutorial site, built from the notebooks in this folder.

Notebooks execute through myst-nb against the offline IRSA unless OFFLINE_IRSA_LIVE=1;
executed notebooks are cached (one cache per mode), so an unchanged notebook is not run
again. Build: ``tox -e docs`` (strict: warnings are errors) to ``_build/html``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

from offline_irsa.harness import cell_timeout, live_requested, offline_data_version  # noqa: E402
from offline_irsa.harness.notebooks import myst_twin  # noqa: E402

HERE = Path(__file__).parent

# Executed notebooks are cached by their code; offline, the synthetic data matter too, so
# each version of the stand-in's data gets a cache of its own.
MODE = "live" if live_requested() else f"offline-{offline_data_version()}"

project = "IRSA image tutorials"
author = "IRSA tutorial suite maintainers"
copyright = "2026, " + author
extensions = ["myst_nb", "tutorial_site"]
exclude_patterns = ["_build", "tests", "_ext", "**/.ipynb_checkpoints", "**/_scratch*", "README.md"]
# The .ipynb JupyterLab saves beside a MyST notebook (jupytext pairs them) is the same page.
exclude_patterns += [str(p.relative_to(HERE)) for p in HERE.rglob("*.ipynb") if myst_twin(p)]
html_theme = "sphinx_book_theme"
html_title = project
html_static_path = ["_static"]
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
}
html_last_updated_fmt = None
html_context = {"default_mode": "light"}  # without it the theme logs a console error on a first visit

myst_enable_extensions = ["colon_fence", "dollarmath"]
nb_execution_mode = "cache"
nb_execution_cache_path = str(Path(__file__).parents[1] / "_build" / ".jupyter_cache" / MODE)
nb_execution_timeout = int(cell_timeout())  # as pytest and `run`: 120 s, or $OFFLINE_IRSA_CELL_TIMEOUT
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True
