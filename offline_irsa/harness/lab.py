"""``python -m offline_irsa lab``: JupyterLab for a workshop, with the offline IRSA in place."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from offline_irsa.harness.kernels import Harness

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
