"""``python -m offline_irsa lab`` leaves nothing running when stopped by SIGTERM or Ctrl+C (SIGINT).

It starts JupyterLab headless on loopback, with one kernel running, then signals the
command and looks for every process that inherited the test's tag in its environment:
JupyterLab, the kernel, the command itself (which serves the stand-in). Marked
``browser`` only because JupyterLab comes with the browser environment's extras.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest
import requests

from offline_irsa.harness.processes import TAG_ENV_VAR, describe, tagged
from offline_irsa.server import announced_base

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.name == "nt", reason="POSIX signals"),
]
TOKEN = "offline-irsa-stop-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_lab(tmp_path, tag: str) -> tuple[subprocess.Popen, str, str]:
    """The lab command on a free port with a private temp folder: (process, lab URL, stand-in URL)."""
    pytest.importorskip("jupyterlab")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "root").mkdir()
    env = {**os.environ, TAG_ENV_VAR: tag, "TMPDIR": str(tmp_path / "tmp"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "offline_irsa", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={tmp_path / 'root'}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--allow-root"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    stand_in = announced_base(process.stdout)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while stand_in and time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/api/status", params={"token": TOKEN}, timeout=2).ok:
                return process, base, stand_in
        except requests.ConnectionError:
            time.sleep(0.3)
    process.kill()
    pytest.fail("offline_irsa lab did not start within 90 s")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_lab_stops_jupyterlab_its_kernels_and_the_stand_in(tmp_path, sig):
    tag = uuid.uuid4().hex
    process, base, stand_in = start_lab(tmp_path, tag)
    try:
        response = requests.post(f"{base}/api/kernels", params={"token": TOKEN}, json={"name": "python3"}, timeout=30)
        assert response.status_code == 201, response.text
        deadline = time.monotonic() + 30
        while not any("ipykernel" in " ".join(p.cmdline()) for p in tagged(tag)) and time.monotonic() < deadline:
            time.sleep(0.2)
        running = tagged(tag)
        assert len(running) >= 3, describe(running)  # the command, JupyterLab, the kernel
        started = time.monotonic()
        process.send_signal(sig)
        code = process.wait(timeout=60)
        took = time.monotonic() - started
    finally:
        if process.poll() is None:
            process.kill()
    print(f"lab stopped on {sig.name} in {took:.1f} s")
    assert code == 0
    assert took < 35  # JupyterLab stops its kernels itself; the command would kill them after 30 s
    assert tagged(tag) == [], describe(tagged(tag))
    with pytest.raises(requests.ConnectionError):
        requests.get(stand_in, timeout=5)
    assert list((tmp_path / "tmp").iterdir()) == []  # the harness's and the settings' temp folders are gone
    # JupyterLab shut down as it does when asked, not killed: it removed its server and kernel files
    assert list((tmp_path / "runtime").glob("*.json")) == []
