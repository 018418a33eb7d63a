"""Finding, reading and executing MyST notebooks, and what counts as an error in their output.

Every way a notebook runs (pytest through nbval, ``python -m offline_irsa run``, the Sphinx
build) gives each cell ``cell_timeout()`` seconds: 120 unless $OFFLINE_IRSA_CELL_TIMEOUT
(or nbval's ``--nbval-cell-timeout``) says otherwise. The tutorial's slowest cell takes
about a second offline, and the slowest live step, downloading one 2MASS atlas image, a few
seconds; 120 s leaves room for a slow network and a loaded CI machine, yet a hung cell
ends in two minutes, not in nbval's default of 2,000 s.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from offline_irsa.harness.failures import CellFailure
from offline_irsa.harness.signals import Terminated, kept_handlers, stop_kernel_on_signals

SKIP_DIRS = {".git", ".tox", ".venv", "venv", "_build", "node_modules", "site-packages", ".ipynb_checkpoints"}
# What in a cell's stderr counts as an error although the cell did not raise.
STDERR_ERROR = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*(Error|Exception)\b|^\s*ERROR\b", re.M)
# A warning of API drift, as Python prints it ("file:3: AstropyDeprecationWarning: ..."): numpy's,
# matplotlib's, astropy's and pyvo's deprecations all end in DeprecationWarning (astropy's is not a
# subclass of it); FutureWarning announces a change of behaviour. The offline kernels show those
# the cell's own code caused (``kernels.STARTUP``).
DEPRECATION = re.compile(r"^.*\b\w*(DeprecationWarning|FutureWarning)\b:.*$", re.M)
CELL_TIMEOUT = 120.0  # seconds; see the module's docstring
CELL_TIMEOUT_ENV_VAR = "OFFLINE_IRSA_CELL_TIMEOUT"
DEPRECATED = "warned of a deprecation (offline runs fail on these: update the call before it breaks for readers)"
TIMED_OUT = "CellTimedOut"  # the error name nbclient reports for a cell that ran past its timeout


def cell_timeout() -> float:
    """Seconds a notebook cell may run before it is interrupted and counted as failed."""
    return float(os.environ.get(CELL_TIMEOUT_ENV_VAR) or CELL_TIMEOUT)


def is_myst_notebook(path: Path) -> bool:
    """A MyST markdown notebook: a .md file whose front matter names a jupytext kernel."""
    if path.suffix != ".md" or not path.is_file():
        return False
    with path.open(encoding="utf-8", errors="replace") as f:
        head = f.read(2000)
    return head.startswith("---") and "jupytext:" in head and "kernelspec:" in head


def myst_twin(path: Path) -> Path | None:
    """For an .ipynb, the MyST notebook jupytext pairs it with (same folder and name), if any."""
    twin = path.with_suffix(".md")
    return twin if path.suffix == ".ipynb" and is_myst_notebook(twin) else None


def is_notebook(path: Path) -> bool:
    """A notebook to run: a MyST notebook, or an .ipynb that is not the paired copy of one.

    jupytext.toml pairs every MyST notebook with an .ipynb, which JupyterLab writes when a
    reader saves; that copy runs as its .md twin, never a second time.
    """
    if path.suffix == ".ipynb":
        return path.is_file() and myst_twin(path) is None
    return is_myst_notebook(path)


def find_notebooks(paths: Iterable[str | Path]) -> list[Path]:
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
                found += [Path(root, f) for f in sorted(files) if is_notebook(Path(root, f))]
        elif is_notebook(path):
            found.append(path)
        elif twin := myst_twin(path):
            found.append(twin)  # asked for the paired .ipynb: run its MyST source
    return found


def read_notebook(path: Path):
    """The notebook (nbformat v4) behind a MyST markdown file (or an .ipynb)."""
    import jupytext

    return jupytext.read(path, fmt="ipynb" if path.suffix == ".ipynb" else "md:myst")


def _stderr_texts(outputs: Iterable[dict]) -> list[str]:
    return [out["text"] for out in outputs if out.get("output_type") == "stream" and out.get("name") == "stderr"]


def stderr_errors(outputs: Iterable[dict]) -> list[str]:
    """Error text a cell printed to stderr, which the cell's success would hide."""
    return [text for text in _stderr_texts(outputs) if STDERR_ERROR.search(text)]


def deprecation_warnings(outputs: Iterable[dict]) -> list[str]:
    """The lines of a cell's stderr that warn of a deprecation (or a FutureWarning)."""
    return [m.group(0).strip() for text in _stderr_texts(outputs) for m in DEPRECATION.finditer(text)]


def output_failures(path: Path, nb) -> list[CellFailure]:
    """Cells of an executed notebook that printed an error or a deprecation warning to stderr."""
    found = []
    code_cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code_cells):
        outputs = cell.get("outputs", [])
        if errors := stderr_errors(outputs):
            found.append(CellFailure(path, number, cell.source, "\n".join(errors), how="printed an error to stderr"))
        elif warnings := deprecation_warnings(outputs):
            found.append(CellFailure(path, number, cell.source, "\n".join(warnings), warnings[0], how=DEPRECATED))
    return found


class NotebookFailed(Exception):
    """A notebook stopped at a cell; ``nb`` holds it as far as it ran."""

    def __init__(self, failure: CellFailure, nb) -> None:
        super().__init__(failure.describe())
        self.failure = failure
        self.nb = nb


def _failure(path: Path, nb, cell, error, timeout: float) -> CellFailure:
    """What went wrong in ``cell``, from nbclient's error and the cell's own error output."""
    shown = [out for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    traceback = "\n".join(shown[-1].get("traceback", [])) if shown else getattr(error, "traceback", "")
    message = f"{shown[-1]['ename']}: {shown[-1]['evalue']}".rstrip(": ") if shown else ""
    number = [c for c in nb.cells if c.cell_type == "code"].index(cell)
    timed_out = getattr(error, "ename", "") == TIMED_OUT
    if not timed_out and not message:
        message = f"{getattr(error, 'ename', type(error).__name__)}: {getattr(error, 'evalue', error)}"
    return CellFailure(path, number, cell.source, traceback, message, timeout if timed_out else None)


def execute(path: Path, timeout: float | None = None, probe: str | None = None):
    """Run a notebook in a fresh kernel (in the current environment); returns it executed.

    A cell that raises, or runs past ``timeout`` (default ``cell_timeout()``), raises
    ``NotebookFailed`` naming the cell. On a timeout the kernel is interrupted first, so the
    cell's traceback shows the call it was stuck in; a kernel that ignores the interrupt
    costs at most ``iopub_timeout`` more seconds. SIGINT or SIGTERM stops the kernel and
    raises ``Terminated``. ``probe`` is code run after the last cell,
    in the same kernel: tests use it to look at what the notebook computed without adding
    anything to the notebook itself.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, DeadKernelError

    timeout = cell_timeout() if timeout is None else timeout
    nb = read_notebook(path)
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(probe))
    running, stopped_by = {}, []
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
        interrupt_on_timeout=True, iopub_timeout=10,
        error_on_timeout={"ename": TIMED_OUT, "evalue": f"the cell ran for more than {timeout:g} s", "traceback": []},
        on_cell_start=lambda cell, cell_index: running.update(cell=cell),
    )
    client.on_notebook_start = stop_kernel_on_signals(client, stopped_by)
    try:
        with kept_handlers():
            # As nbval does: the kernel's own start-up log is not part of any cell's output.
            client.execute(stderr=subprocess.DEVNULL)
    except (CellExecutionError, DeadKernelError) as err:
        if not stopped_by and "cell" in running:
            raise NotebookFailed(_failure(path, nb, running["cell"], err, timeout), nb) from None
        if not stopped_by:
            raise
    except Exception:
        if not stopped_by:
            raise
    if stopped_by:
        raise Terminated(stopped_by[0])
    return nb

