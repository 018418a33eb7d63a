"""``python -m offline_irsa run``: execute notebooks end to end and report each one."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path

from offline_irsa.harness.kernels import Harness
from offline_irsa.harness.live import live_unreachable_reason
from offline_irsa.harness.notebooks import execute, find_notebooks, stderr_errors


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
