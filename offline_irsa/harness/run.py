"""``python -m offline_irsa run``: execute notebooks end to end and report each one.

Every notebook runs, whatever happened to the ones before it; the command exits 1 if any
failed. A failure is reported as pytest reports it (``failures.CellFailure``): the cell,
its error, the call it was stuck in when it timed out, and the IRSA service named.

The executed copy of a notebook is ``<out>/<path>.ipynb``. Before a notebook runs, its old
copies are removed, so an older success never stands in for this run. A notebook that fails
is written as ``<out>/<path>.failed.ipynb`` instead, up to the cell that failed, with the
failure in its first cell: the partial outputs help to see what went wrong, and the name
says it is not a result.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Iterable
from pathlib import Path

from offline_irsa.harness.kernels import Harness
from offline_irsa.harness.live import live_unreachable_reason
from offline_irsa.harness.notebooks import NotebookFailed, execute, find_notebooks, output_failures
from offline_irsa.harness.signals import Terminated

FAILED_SUFFIX = ".failed.ipynb"


def _relative(path: Path) -> Path:
    """Where a notebook sits below the working directory (its name alone if outside)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return Path(path.name)


def _mark_failed(nb, problems: list[str]):
    """The notebook with a first cell, and metadata, saying this run of it failed and why."""
    import nbformat

    text = "\n".join(problems)
    nb.metadata["offline_irsa"] = {"failed": text}
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(
        "**This run of the notebook FAILED**; it stopped where shown below.\n\n```\n" + text + "\n```"))
    return nb


def run_one(path: Path, out: Path, timeout: float | None = None) -> list[str]:
    """Execute one notebook, write its executed copy, and return what went wrong (nothing if it ran)."""
    import nbformat

    target = out / _relative(path).with_suffix(".ipynb")
    failed_copy = target.with_name(target.stem + FAILED_SUFFIX)
    for old in (target, failed_copy):
        old.unlink(missing_ok=True)
    try:
        nb = execute(path, timeout)
        problems = [failure.describe() for failure in output_failures(path, nb)]
    except NotebookFailed as failed:
        nb, problems = failed.nb, [failed.failure.describe()]
    except Exception as err:  # the kernel did not start, or died: report it and go on to the next
        nb, problems = None, [f"{path}: could not run: {type(err).__name__}: {err}"]
    if nb is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        if problems:
            nbformat.write(_mark_failed(nb, problems), failed_copy)
            problems.append(f"executed copy, marked as failed: {failed_copy}")
        else:
            nbformat.write(nb, target)
    return problems


def run_notebooks(paths: Iterable[str], out: str, live: bool = False, timeout: float | None = None) -> int:
    """Execute every notebook found, write the executed .ipynb under ``out``, report times.

    ``timeout``: seconds each cell may run (default ``cell_timeout()``).
    """
    notebooks = find_notebooks(paths)
    if not notebooks:
        print("no MyST notebooks found in", ", ".join(map(str, paths)))
        return 1
    if live and (reason := live_unreachable_reason()):
        print(reason)
        return 1
    failed = []
    path = notebooks[0]
    try:
        with Harness(live=live) as harness:
            print("mode:", "live (real IRSA)" if live else f"offline (synthetic data from {harness.server.base})")
            for path in notebooks:
                start = time.perf_counter()
                problems = run_one(path, Path(out), timeout)
                print(f"{'FAIL' if problems else 'ok  '} {path}  {time.perf_counter() - start:.1f} s", flush=True)
                for problem in problems:
                    print("\n".join("      " + line[:500] for line in problem.splitlines()), flush=True)
                failed += [path] if problems else []
    except KeyboardInterrupt as stop:  # Ctrl+C, or SIGTERM (``Terminated``)
        print(f"stopped while running {path} ({stop or 'interrupted'}); the offline IRSA and its kernels are stopped")
        return 128 + (stop.signum if isinstance(stop, Terminated) else signal.SIGINT)
    print(f"{len(notebooks) - len(failed)} of {len(notebooks)} notebooks ran"
          + (f"; failed: {', '.join(map(str, failed))}" if failed else ""))
    return 1 if failed else 0
