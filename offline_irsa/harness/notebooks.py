"""Finding, reading and executing MyST notebooks, and what counts as an error in their output."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

SKIP_DIRS = {".git", ".tox", ".venv", "venv", "_build", "node_modules", "site-packages", ".ipynb_checkpoints"}
# What in a cell's stderr counts as an error although the cell did not raise.
STDERR_ERROR = re.compile(r"Traceback \(most recent call last\)|\b[A-Z]\w*(Error|Exception)\b|^\s*ERROR\b", re.M)


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


def stderr_errors(outputs: Iterable[dict]) -> list[str]:
    """Error text a cell printed to stderr, which the cell's success would hide."""
    return [
        out["text"] for out in outputs
        if out.get("output_type") == "stream" and out.get("name") == "stderr" and STDERR_ERROR.search(out["text"])
    ]


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
