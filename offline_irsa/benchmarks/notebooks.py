"""The tutorial's offline run time beside its floor: a notebook that only imports the same packages.

Run: ``python -m offline_irsa.benchmarks.notebooks [notebook.md] [--repeat N]``. Both run
in fresh kernels through the same harness, alternately, so machine noise hits both alike.
The floor is built from the tutorial's own import lines, so it cannot drift from them.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from offline_irsa.harness import Harness, execute, read_notebook

DEFAULT = Path(__file__).resolve().parents[2] / "notebooks" / "2mass-sia-v1.md"


def floor_notebook(path: Path, folder: Path) -> Path:
    """A notebook holding only the tutorial's import statements."""
    lines = [
        line for cell in read_notebook(path).cells if cell.cell_type == "code"
        for line in cell.source.splitlines() if line.startswith(("import ", "from ")) and " import " in line + " "
    ]
    floor = read_notebook(path)
    floor.cells = [nbformat.v4.new_code_cell("\n".join(lines))]
    target = folder / "imports-only.ipynb"
    nbformat.write(floor, target)
    return target


def run(path: Path) -> float:
    start = time.perf_counter()
    execute(path)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, Harness() as _:
        floor = floor_notebook(args.notebook, Path(tmp))
        run(floor)  # warm the disk cache for both before measuring
        tutorial, imports = [], []
        for _ in range(args.repeat):
            tutorial.append(run(args.notebook))
            imports.append(run(floor))
    med_t, med_f = statistics.median(tutorial), statistics.median(imports)
    print(f"{args.notebook.name}, offline, fresh kernel each run, {args.repeat} runs each (alternating)")
    print(f"{'run':28} {'median s':>9} {'best s':>9}")
    print(f"{'imports only (floor)':28} {med_f:9.2f} {min(imports):9.2f}")
    print(f"{'whole tutorial':28} {med_t:9.2f} {min(tutorial):9.2f}")
    print(f"tutorial beyond the floor: {med_t - med_f:.2f} s ({med_t / med_f:.2f} x the floor)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
