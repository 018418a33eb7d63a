"""``python -m offline_irsa lab`` as the tests start it: headless, on a free loopback port, with a token."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from offline_irsa.server import announced_base

TOKEN = "offline-irsa-browser-test"
QUIET = ["--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--allow-root"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(root: Path, env: dict[str, str], *args: str, timeout: float = 90) -> tuple[subprocess.Popen, str, str]:
    """The lab command serving ``root``, once JupyterLab answers: (process, lab URL, stand-in URL)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "offline_irsa", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         *QUIET, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    stand_in = announced_base(process.stdout)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while stand_in and time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/api/status", params={"token": TOKEN}, timeout=2).ok:
                return process, base, stand_in
        except requests.ConnectionError:
            time.sleep(0.3)
    process.kill()
    process.wait()
    pytest.fail(f"offline_irsa lab did not start within {timeout} s")
