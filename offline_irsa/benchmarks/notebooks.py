"""Each tutorial's offline run time beside its floors: notebooks that only load what it loads.

Run: ``python -m offline_irsa.benchmarks.notebooks [notebook.md ...] [--repeat N]`` (default:
the first tutorial and the two that follow it). Every run is in a fresh kernel through the same
harness, the three kinds alternating, so machine noise hits them alike.

- **Import floor**: a notebook holding the tutorial's own import statements. The suite's aim
  (issue 19) is a tutorial within 1.3 times it.
- **Module floor**: a notebook importing every module the tutorial's run ends up loading, those
  its libraries load on first use too (astropy's CDS units for a VOTable, WCSAxes for a sky
  plot, reproject's internals). What the tutorial takes beyond it is its own work: downloads,
  arithmetic, drawing. It explains the first ratio; it is not the aim's baseline.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from offline_irsa.harness import Harness, execute, read_notebook
from offline_irsa.harness.kernels import WORKDIR_SKIP

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
DEFAULT = [NOTEBOOKS / name for name in ("2mass-sia-v1.md", "sia-v1-or-v2.md", "2mass-allwise-one-target.md")]
AIM = 1.3  # the tutorial's run at most this many times its import floor's


def _notebook_like(path: Path, source: str, target: Path) -> Path:
    """A notebook with the tutorial's kernel and metadata and one code cell."""
    nb = read_notebook(path)
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, target)
    return target


def floor_notebook(path: Path, folder: Path) -> Path:
    """A notebook holding only the tutorial's import statements."""
    lines = [
        line for cell in read_notebook(path).cells if cell.cell_type == "code"
        for line in cell.source.splitlines() if line.startswith(("import ", "from ")) and " import " in line + " "
    ]
    return _notebook_like(path, "\n".join(lines), folder / "imports-only.ipynb")


def loaded_modules(path: Path, folder: Path) -> list[str]:
    """The modules a run of the tutorial loads that a kernel running nothing does not, in load order."""
    listing = folder / "modules.json"
    probe = f"import json, sys\njson.dump(list(sys.modules), open({str(listing)!r}, 'w'))"
    execute(path, probe=probe)
    loaded = json.loads(listing.read_text())
    execute(_notebook_like(path, "pass", folder / "nothing.ipynb"), probe=probe)
    bare = set(json.loads(listing.read_text()))
    return [name for name in loaded if name not in bare]


def module_floor_notebook(path: Path, folder: Path) -> tuple[Path, int]:
    """A notebook importing every module the tutorial loads; also how many modules that is."""
    modules = loaded_modules(path, folder)
    source = (
        "import importlib\n"
        f"for name in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception:  # loadable only from inside its package, or platform-specific\n"
        "        pass\n"
    )
    return _notebook_like(path, source, folder / "modules-only.ipynb"), len(modules)


def run(path: Path) -> float:
    start = time.perf_counter()
    execute(path)
    return time.perf_counter() - start


def measure(path: Path, repeat: int) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        # The floors sit beside a copy of the tutorial, in a copy of its folder: the harness copies a
        # notebook's folder into its kernel's working folder, and that costs the same for all three.
        folder = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns(*WORKDIR_SKIP))
        tutorial = folder / path.name
        floor = floor_notebook(tutorial, folder)
        modules, count = module_floor_notebook(tutorial, folder)  # its runs also warm the disk cache and the stand-in
        times = {"imports": [], "modules": [], "tutorial": []}
        for _ in range(repeat):
            times["tutorial"].append(run(tutorial))
            times["imports"].append(run(floor))
            times["modules"].append(run(modules))
    times["module count"] = [count]
    return times


def report(path: Path, times: dict[str, list[float]], repeat: int) -> None:
    med = {kind: statistics.median(values) for kind, values in times.items()}
    print(f"{path.name}, offline, fresh kernel each run, {repeat} runs each (alternating)")
    print(f"{'run':36} {'median s':>9} {'best s':>9}")
    print(f"{'imports only (floor)':36} {med['imports']:9.2f} {min(times['imports']):9.2f}")
    modules = f"every module it loads ({times['module count'][0]})"
    print(f"{modules:36} {med['modules']:9.2f} {min(times['modules']):9.2f}")
    print(f"{'whole tutorial':36} {med['tutorial']:9.2f} {min(times['tutorial']):9.2f}")
    ratio = med["tutorial"] / med["imports"]
    print(f"tutorial beyond the import floor: {med['tutorial'] - med['imports']:.2f} s "
          f"({ratio:.2f} x the floor; aim <= {AIM} x: {'met' if ratio <= AIM else 'missed'})")
    print(f"tutorial beyond the module floor: {med['tutorial'] - med['modules']:.2f} s "
          f"({med['tutorial'] / med['modules']:.2f} x): its downloads, arithmetic and drawing")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with Harness():
        for path in args.notebooks:
            report(path, measure(path, args.repeat), args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
