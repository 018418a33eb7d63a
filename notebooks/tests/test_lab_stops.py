"""``python -m offline_irsa lab`` leaves nothing running when stopped by SIGTERM or Ctrl+C (SIGINT).

It starts JupyterLab headless on loopback, with one kernel running, then signals the
command and looks for every process that inherited the test's tag in its environment:
JupyterLab, the kernel, the command itself (which serves the stand-in). Marked
``browser`` only because JupyterLab comes with the browser environment's extras.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid

import pytest
import requests

from offline_irsa.harness.processes import TAG_ENV_VAR, describe, tagged

from .lab_process import TOKEN, start_lab

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(os.name == "nt", reason="POSIX signals"),
]


def start_tagged_lab(tmp_path, tag: str) -> tuple[subprocess.Popen, str, str]:
    """The lab command with the tag and a private TMPDIR and Jupyter folders: (process, lab URL, stand-in URL)."""
    pytest.importorskip("jupyterlab")
    for folder in ("tmp", "root"):
        (tmp_path / folder).mkdir()
    env = {**os.environ, TAG_ENV_VAR: tag, "TMPDIR": str(tmp_path / "tmp"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
           "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces")}
    return start_lab(tmp_path / "root", env)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_lab_stops_jupyterlab_its_kernels_and_the_stand_in(tmp_path, sig):
    tag = uuid.uuid4().hex
    process, base, stand_in = start_tagged_lab(tmp_path, tag)
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
