"""Run notebook kernels against the offline IRSA (or the live one), unmodified.

``Harness`` starts the stand-in once and sets the environment every kernel started
afterwards inherits:

* an IPython startup file (in a private IPYTHONDIR) that routes irsa.ipac.caltech.edu
  to the stand-in (``routing``);
* the variables jupyter_firefly_extensions sets in JupyterLab, pointing at the Firefly
  stand-in, so ``FireflyClient.make_lab_client()`` works; FIREFLY_URL for
  ``make_client()``; BROWSER=false, so nothing opens a browser;
* private astropy cache directories, so synthetic files never enter the user's
  download cache, where a later live run would find them under IRSA's real URLs.

Live mode changes nothing but BROWSER: kernels talk to the real IRSA.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterable
from pathlib import Path

from offline_irsa.routing import ENV_VAR, IRSA_HOST

LIVE_ENV_VAR = "OFFLINE_IRSA_LIVE"
LIVE_PROBE = "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky?FORMAT=METADATA"
LIVE_PROBE_ENV_VAR = "OFFLINE_IRSA_LIVE_PROBE"  # another URL to try, e.g. in tests
SKIP_DIRS = {".git", ".tox", ".venv", "venv", "_build", "node_modules", "site-packages", ".ipynb_checkpoints"}
STARTUP = "from offline_irsa import routing\nrouting.activate()\n"
# What in a cell's stderr counts as an error although the cell did not raise.
STDERR_ERROR = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*(Error|Exception)\b|^\s*ERROR\b", re.M)


def offline_data_version() -> str:
    """A short hash of the code that makes the offline data: it changes when the answers may."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted([*package.glob("sky/*.py"), *package.glob("services/*.py")]):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def live_requested() -> bool:
    return os.environ.get(LIVE_ENV_VAR, "").lower() in ("1", "true", "yes")


def live_unreachable_reason(timeout: float = 15) -> str | None:
    """None if IRSA's SIA v1 service answers, else why not (for a skip message)."""
    probe = os.environ.get(LIVE_PROBE_ENV_VAR, LIVE_PROBE)
    try:
        with urllib.request.urlopen(probe, timeout=timeout) as response:
            response.read(200)
        return None
    except OSError as err:
        return f"live mode: IRSA ({IRSA_HOST}) is unreachable from this machine: {err}"


def is_notebook(path: Path) -> bool:
    """A MyST markdown notebook: a .md file whose front matter names a jupytext kernel."""
    if path.suffix != ".md" or not path.is_file():
        return False
    with path.open(encoding="utf-8") as f:
        head = f.read(2000)
    return head.startswith("---") and "jupytext:" in head and "kernelspec:" in head


def find_notebooks(paths: Iterable[str | Path]) -> list[Path]:
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                found += [Path(root, f) for f in sorted(files) if is_notebook(Path(root, f))]
        elif is_notebook(path):
            found.append(path)
    return found


def read_notebook(path: Path):
    """The notebook (nbformat v4) behind a MyST markdown file (or an .ipynb)."""
    import jupytext

    return jupytext.read(path, fmt="ipynb" if path.suffix == ".ipynb" else "md:myst")


def stderr_errors(outputs: Iterable[dict]) -> list[str]:
    """Error text a cell printed to stderr, which the cell's success would hide."""
    return [
        out["text"] for out in outputs
        if out.get("output_type") == "stream" and out.get("name") == "stderr" and STDERR_ERROR.search(out["text"])
    ]


class Harness:
    """The offline IRSA plus the environment kernels need to use it."""

    def __init__(self, live: bool = False) -> None:
        self.live = live
        self.server = None
        self.channel = f"offline-irsa-{uuid.uuid4().hex[:12]}"
        self._tmp: Path | None = None
        self._saved: dict[str, str | None] = {}

    def environment(self) -> dict[str, str]:
        """Variables to set for kernels (only valid after ``start``)."""
        env = {"BROWSER": "false"}
        if self.live:
            return env
        tmp = self._tmp
        package_parent = str(Path(__file__).resolve().parent.parent)
        return env | {
            ENV_VAR: self.server.base,
            "IPYTHONDIR": str(tmp / "ipython"),
            "ASTROPY_CACHE_DIR": str(tmp / "astropy-cache"),
            "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
            "FIREFLY_URL": self.server.firefly,
            "fireflyLabExtension": "true",
            "fireflyURLLab": self.server.firefly,
            "fireflyChannelLab": self.channel,
            "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost", IRSA_HOST])),
            "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])),
        }

    def start(self) -> Harness:
        if not self.live:
            from offline_irsa.server import OfflineIRSA

            self._tmp = Path(tempfile.mkdtemp(prefix="offline-irsa-"))
            startup = self._tmp / "ipython" / "profile_default" / "startup"
            startup.mkdir(parents=True)
            (startup / "00-offline-irsa.py").write_text(STARTUP)
            (self._tmp / "astropy-cache").mkdir()
            (self._tmp / "xdg-cache" / "astropy").mkdir(parents=True)  # older astropy needs it to exist
            self.server = OfflineIRSA().start()
        for key, value in self.environment().items():
            self._saved[key] = os.environ.get(key)
            os.environ[key] = value
        return self

    def stop(self) -> None:
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def execute(path: Path, timeout: int = 600, probe: str | None = None):
    """Run a notebook in a fresh kernel (in the current environment); returns it executed.

    ``probe`` is code run after the last cell, in the same kernel: tests use it to look at
    what the notebook computed without adding anything to the notebook itself.
    """
    import nbformat
    from nbclient import NotebookClient

    nb = read_notebook(path)
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(probe))
    resources = {"metadata": {"path": str(path.parent)}}
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources=resources)
    # As nbval does: the kernel's own start-up log is not part of any cell's output.
    client.execute(stderr=subprocess.DEVNULL)
    return nb


def _relative(path: Path) -> Path:
    """Where a notebook sits below the working directory (its name alone if outside)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return Path(path.name)


def run_notebooks(paths: Iterable[str], out: str, live: bool = False) -> int:
    """Execute every notebook found, write the executed .ipynb under ``out``, report times."""
    import nbformat
    from nbclient.exceptions import CellExecutionError

    notebooks = find_notebooks(paths)
    if not notebooks:
        print("no MyST notebooks found in", ", ".join(map(str, paths)))
        return 1
    if live and (reason := live_unreachable_reason()):
        print(reason)
        return 1
    failures = 0
    with Harness(live=live) as harness:
        print("mode:", "live (real IRSA)" if live else f"offline (synthetic data from {harness.server.base})")
        for path in notebooks:
            start = time.perf_counter()
            try:
                nb = execute(path)
                problems = [t for cell in nb.cells for t in stderr_errors(cell.get("outputs", []))]
            except CellExecutionError as err:
                nb, problems = None, [str(err).splitlines()[-1] if str(err) else repr(err)]
            seconds = time.perf_counter() - start
            if nb is not None:
                target = Path(out) / _relative(path).with_suffix(".ipynb")
                target.parent.mkdir(parents=True, exist_ok=True)
                nbformat.write(nb, target)
            failures += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {path}  {seconds:.1f} s")
            for problem in problems:
                print("     ", problem.strip()[:500])
    return 1 if failures else 0


# JupyterLab settings the workshop command adds: MyST notebooks open as notebooks.
LAB_OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"},
    },
}


def run_lab(jupyter_args: list[str]) -> int:
    """JupyterLab whose kernels reach the offline IRSA; Firefly's extension uses the stand-in.

    The user's own JupyterLab settings stay as they are; a private copy of the
    application settings adds ``LAB_OVERRIDES``, so ``notebooks/*.md`` opens as a notebook.
    """
    import json

    from jupyterlab.commands import get_app_dir

    with Harness() as harness, tempfile.TemporaryDirectory(prefix="offline-irsa-lab-") as settings:
        installed = Path(get_app_dir()) / "settings"
        if installed.is_dir():
            shutil.copytree(installed, settings, dirs_exist_ok=True)
        overrides = Path(settings) / "overrides.json"
        merged = json.loads(overrides.read_text()) if overrides.exists() else {}
        for plugin, values in LAB_OVERRIDES.items():
            merged.setdefault(plugin, {}).update(values)
        overrides.write_text(json.dumps(merged, indent=2))
        print(harness.server.describe(), flush=True)
        command = [sys.executable, "-m", "jupyterlab", f"--LabApp.app_settings_dir={settings}", *jupyter_args]
        try:
            return subprocess.call(command)
        except KeyboardInterrupt:
            return 0
