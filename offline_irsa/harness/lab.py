"""``python -m offline_irsa lab``: JupyterLab for a workshop, with the offline IRSA in place.

Stopping it stops everything it started. JupyterLab runs in a session of its own, so a
Ctrl+C in the terminal reaches this command only; on SIGINT or SIGTERM the command sends
JupyterLab SIGTERM, on which jupyter-server shuts its kernels down and exits, without the
"Shutdown this Jupyter server (y/[n])?" question it asks on Ctrl+C (whose default answer
would keep it running after the stand-in had stopped). Whatever JupyterLab started and is
still running ``STOP_GRACE`` seconds later (or at a second signal) is killed; then the
stand-in stops and the temp folders go.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from offline_irsa.harness import processes
from offline_irsa.harness.kernels import Harness
from offline_irsa.harness.signals import StopRequests

# JupyterLab settings the workshop command adds: MyST notebooks open as notebooks.
LAB_OVERRIDES = {
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"markdown": "Jupytext Notebook", "myst": "Jupytext Notebook"},
    },
}
# JupyterLab stops in 1 to 3 s here; jupyter-server gives its kernels 5 s (shutdown_wait_time)
# to stop before it kills them. 30 s leaves room for a slow machine.
STOP_GRACE = 30
FAMILY_EVERY = 5  # seconds between two looks at which kernels JupyterLab runs (and right before stopping it)


def _settings_with_overrides(settings: str) -> None:
    """A copy of the installed application settings, plus ``LAB_OVERRIDES``, in ``settings``."""
    from jupyterlab.commands import get_app_dir

    installed = Path(get_app_dir()) / "settings"
    if installed.is_dir():
        shutil.copytree(installed, settings, dirs_exist_ok=True)
    overrides = Path(settings) / "overrides.json"
    merged = json.loads(overrides.read_text()) if overrides.exists() else {}
    for plugin, values in LAB_OVERRIDES.items():
        merged.setdefault(plugin, {}).update(values)
    overrides.write_text(json.dumps(merged, indent=2))


def supervise(process: subprocess.Popen, stop: StopRequests) -> int:
    """Wait for JupyterLab; on a stop request stop it and all it started. Its exit code, or 0 if asked to stop."""
    known, asked_at, checked_at = [], None, 0.0
    while True:
        try:
            code = process.wait(timeout=0.5)
            break
        except subprocess.TimeoutExpired:
            pass
        if time.monotonic() - checked_at > FAMILY_EVERY or (stop.count and asked_at is None):
            known = processes.family(process.pid) or known  # its kernels, to check on once it is gone
            checked_at = time.monotonic()
        if stop.count and asked_at is None:
            process.terminate()
            asked_at = time.monotonic()
        if asked_at is not None and (stop.count > 1 or time.monotonic() - asked_at > STOP_GRACE):
            print(f"offline_irsa lab: JupyterLab did not stop within {STOP_GRACE} s, or was asked twice; "
                  "killing it and its kernels", file=sys.stderr, flush=True)
            processes.stop_all(processes.family(process.pid) or known, grace=0)
            code = process.wait()
            break
    if left := processes.alive(known[1:]):
        print(f"offline_irsa lab: stopping what JupyterLab left running:\n{processes.describe(left)}",
              file=sys.stderr, flush=True)
        processes.stop_all(left)
    return 0 if stop.count else code


def run_lab(jupyter_args: list[str]) -> int:
    """JupyterLab whose kernels reach the offline IRSA; Firefly's extension uses the stand-in.

    The user's own JupyterLab settings stay as they are; a private copy of the
    application settings adds ``LAB_OVERRIDES``, so ``notebooks/*.md`` opens as a notebook.
    """
    with StopRequests() as stop, Harness(workdirs=False) as harness, \
            tempfile.TemporaryDirectory(prefix="offline-irsa-lab-") as settings:
        _settings_with_overrides(settings)
        print(harness.server.describe(), flush=True)
        if stop.count:
            return 0
        command = [sys.executable, "-m", "jupyterlab", f"--LabApp.app_settings_dir={settings}", *jupyter_args]
        process = subprocess.Popen(command, start_new_session=os.name != "nt")
        return supervise(process, stop)
