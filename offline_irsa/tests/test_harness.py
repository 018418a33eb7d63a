"""The notebook harness: any MyST notebook under the root runs offline; stderr errors fail it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from offline_irsa.harness import (
    Harness,
    NotebookFailed,
    execute,
    find_notebooks,
    is_notebook,
    kernels,
    read_notebook,
    stderr_errors,
)

ROOT = Path(__file__).resolve().parents[2]
FRONT = """---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---

"""


def cell(code: str) -> str:
    return f"```{{code-cell}} ipython3\n{code}\n```\n\n"


@pytest.mark.parametrize("text, is_error", [
    ("Traceback (most recent call last):\n  File ...", True),
    ("ValueError: bad value\n", True),
    ("ERROR: something broke\n", True),
    ("WARNING: FITSFixedWarning: 'datfix' made the change\n", False),
    ("Downloading https://x [Done]\n", False),
    ("no errors here\n", False),
])
def test_stderr_errors(text, is_error):
    assert bool(stderr_errors([{"output_type": "stream", "name": "stderr", "text": text}])) == is_error
    assert not stderr_errors([{"output_type": "stream", "name": "stdout", "text": text}])


def test_only_jupytext_markdown_counts_as_a_notebook(tmp_path):
    (tmp_path / "README.md").write_text("# Not a notebook\n")
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "nb.md").write_text(FRONT + cell("1 + 1"))
    (tmp_path / ".tox").mkdir()
    (tmp_path / ".tox" / "nb.md").write_text(FRONT)
    assert not is_notebook(tmp_path / "README.md")
    assert find_notebooks([tmp_path]) == [tmp_path / "deep" / "er" / "nb.md"]


@pytest.fixture
def scratch():
    """A throwaway folder of notebooks inside the repository, removed afterwards."""
    folder = ROOT / "notebooks" / "_scratch_harness_test" / "nested"
    folder.mkdir(parents=True)
    yield folder
    shutil.rmtree(folder.parent)


def run_pytest(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:randomly"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_notebooks_anywhere_run_offline_and_stderr_errors_fail(scratch):
    (scratch / "talks_to_irsa.md").write_text(FRONT + cell(
        "import pyvo, requests\n"
        "from firefly_client import FireflyClient\n"
        "from astropy.io import fits\n"
        "sia = pyvo.dal.SIAService('https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky')\n"
        "url = sia.search(pos=(10.0, 41.0), size=0.01)[0].getdataurl()\n"
        "assert fits.open(url)[0].header['SYNTHETC']\n"
        "fc = FireflyClient.make_lab_client()\n"
        "fc.show_fits_image(file_input=url)\n"
        "fc2 = FireflyClient.make_client(url='https://irsa.ipac.caltech.edu/irsaviewer')\n"
        "fc2.show_fits_image(file_input=url)\n"
        "import webbrowser\n"
        "assert webbrowser.open('http://127.0.0.1:9/') is False  # no browser, so no 5 s sleep\n"
        "import astropy.config, os\n"
        "cache = astropy.config.get_cache_dir()\n"
        "assert any(os.environ[v] in cache for v in ('ASTROPY_CACHE_DIR', 'XDG_CACHE_HOME')), cache"
    ) + cell("print('fine')"))
    (scratch / "prints_error.md").write_text(FRONT + cell("import sys\nprint('ValueError: hidden', file=sys.stderr)"))
    result = run_pytest(scratch)
    assert "prints_error.md::Cell 0 FAILED" in result.stdout or "1 failed" in result.stdout, result.stdout
    assert "Cell printed an error to stderr" in result.stdout
    assert "2 passed, 1 failed" in result.stdout or "1 failed, 2 passed" in result.stdout, result.stdout[-2000:]


def test_live_mode_skips_with_a_reason_when_irsa_is_unreachable(scratch):
    (scratch / "any.md").write_text(FRONT + cell("1"))
    # Probe a closed loopback port instead of IRSA: tests never reach out.
    env = os.environ | {"OFFLINE_IRSA_LIVE_PROBE": "http://127.0.0.1:9/"}
    result = subprocess.run([sys.executable, "-m", "pytest", str(scratch), "--live", "-rs", "-q"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert "1 skipped" in result.stdout and "unreachable" in result.stdout, result.stdout[-2000:]


TUTORIAL = ROOT / "notebooks" / "2mass-sia-v1.md"
REFERENCE_ENV_VAR = "OFFLINE_IRSA_REFERENCE"  # a folder holding original-tutorial-2mass-sia-v1.md


def original_tutorial() -> Path:
    """IRSA's original tutorial, the suite's specification: kept beside the repository, not in it."""
    places = [Path(os.environ[REFERENCE_ENV_VAR])] if os.environ.get(REFERENCE_ENV_VAR) else []
    places += [parent / "shared" / "reference" for parent in ROOT.parents]
    for place in places:
        if (place / "original-tutorial-2mass-sia-v1.md").is_file():
            return place / "original-tutorial-2mass-sia-v1.md"
    pytest.skip(f"the original tutorial is not here: set {REFERENCE_ENV_VAR} to the folder that holds it")


def pair(md: Path) -> Path:
    """Write the .ipynb that jupytext pairs with a MyST notebook, as JupyterLab does on save."""
    import jupytext

    jupytext.write(jupytext.read(md), md.with_suffix(".ipynb"))
    return md.with_suffix(".ipynb")


def run_verbose(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", str(path), "-v", "-p", "no:randomly"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("source", ["tutorial", "original"])
def test_a_paired_ipynb_runs_once_as_its_md_and_alone_under_the_harness(scratch, source):
    md = scratch / "paired.md"
    shutil.copy(TUTORIAL if source == "tutorial" else original_tutorial(), md)
    code_cells = sum(c.cell_type == "code" for c in read_notebook(md).cells)
    pair(md)
    assert find_notebooks([scratch]) == [md]
    result = run_verbose(scratch)
    assert f"{code_cells} passed" in result.stdout and "failed" not in result.stdout, result.stdout[-3000:]
    # (pytest 9 shows a notebook's node id as paired::md, older versions as paired.md)
    assert re.search(r"paired(\.|::)md::Cell", result.stdout) and "ipynb::" not in result.stdout
    md.unlink()  # now the .ipynb stands alone: it runs offline like the .md did
    assert find_notebooks([scratch]) == [scratch / "paired.ipynb"]
    result = run_verbose(scratch)
    assert f"{code_cells} passed" in result.stdout, result.stdout[-3000:]
    assert re.search(r"paired(\.|::)ipynb::Cell", result.stdout)


def test_notebooks_write_in_a_working_folder_of_their_own(scratch):
    """Automated runs start each kernel in a copy of the notebook's folder, sub-folders included (a
    helper package, a data folder): what a notebook writes stays out of the reader's folder, and
    what the reader made there is left alone."""
    (scratch / "data.txt").write_text("the reader's input\n")
    (scratch / "results").mkdir()
    (scratch / "results" / "mine.txt").write_text("the reader's own result\n")
    (scratch / "helpers").mkdir()
    (scratch / "helpers" / "__init__.py").write_text("ANSWER = 42\n")
    (scratch / "helpers" / "__pycache__").mkdir()  # caches stay behind
    (scratch / "helpers" / "__pycache__" / "stale.pyc").write_bytes(b"x")
    (scratch / "writes.md").write_text(FRONT + cell(
        "import os, pathlib\n"
        "assert pathlib.Path('data.txt').read_text() == \"the reader's input\\n\"  # files beside it are there\n"
        "assert pathlib.Path('results/mine.txt').read_text() == \"the reader's own result\\n\"  # and folders\n"
        "assert not pathlib.Path('helpers/__pycache__').exists()\n"
        "from helpers import ANSWER\n"
        "assert ANSWER == 42\n"
        "pathlib.Path('results/mine.txt').write_text('overwritten by a test run')\n"
        "pathlib.Path('new.txt').write_text('written by the notebook')\n"
        "print(os.getcwd())"))
    before = sorted(p.relative_to(scratch) for p in scratch.rglob("*"))
    result = run_pytest(scratch)
    assert "1 passed" in result.stdout, result.stdout[-2000:]
    assert sorted(p.relative_to(scratch) for p in scratch.rglob("*")) == before
    assert (scratch / "results" / "mine.txt").read_text() == "the reader's own result\n"


def test_folders_past_the_cap_stay_behind_and_the_run_says_why(scratch, monkeypatch):
    """A notebook beside a large data folder fails with a message naming the cap, not at its first read."""
    monkeypatch.setattr(kernels, "WORKDIR_CAP_BYTES", 1000)
    (scratch / "big").mkdir()
    (scratch / "big" / "data.bin").write_bytes(b"x" * 5000)
    (scratch / "reads.md").write_text(FRONT + cell("print(sorted(__import__('os').listdir('.')))"))
    with Harness():
        failed = None
        try:
            execute(scratch / "reads.md", timeout=60)
        except NotebookFailed as err:
            failed = str(err)
    assert failed is not None and "more than the 0 MB copied" in failed and "only its files were copied" in failed


def test_the_data_version_covers_every_survey_and_protocol():
    """The site's execution cache is keyed on it: a change to how any survey draws must change it."""
    package = ROOT / "offline_irsa"
    hashed = {path.relative_to(package).as_posix() for path in kernels.data_code_files()}
    for made_by in ("sky/stars.py", "surveys/twomass/render.py", "surveys/allwise/render.py", "services/sia.py",
                    "services/tap/catalog.py", "services/firefly/static/firefly_loader.js", "server.py"):
        assert made_by in hashed, made_by
