"""Nothing outlives what started it: a spawned stand-in its parent, a Harness's temp folder SIGTERM.

Each test starts a process with a tag of its own in its environment and a private TMPDIR,
stops it the hard way, and then looks for any process with the tag and anything in TMPDIR.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
import requests

from offline_irsa.harness.processes import TAG_ENV_VAR, alive, describe, tagged

from .test_harness import FRONT, ROOT, cell

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX signals")


def start(code: str, tmp_path, *args: str) -> tuple[subprocess.Popen, str]:
    """Run ``code`` (or a module, with ``-m``) with a fresh tag and TMPDIR=tmp_path/tmp; returns it and the tag."""
    tag = uuid.uuid4().hex
    (tmp_path / "tmp").mkdir(exist_ok=True)
    env = os.environ | {TAG_ENV_VAR: tag, "TMPDIR": str(tmp_path / "tmp")}
    command = [sys.executable, *args] if args else [sys.executable, "-c", textwrap.dedent(code)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True), tag


def wait_until_gone(tag: str, timeout: float = 20) -> float:
    """Seconds until no process with ``tag`` runs; fails after ``timeout``."""
    started = time.monotonic()
    while (left := tagged(tag)) and time.monotonic() - started < timeout:
        time.sleep(0.1)
    assert not left, f"still running {timeout} s later:\n{describe(left)}"
    return time.monotonic() - started


def test_a_spawned_stand_in_exits_when_its_parent_is_killed(tmp_path):
    parent, tag = start("""
        import time
        from offline_irsa.server import OfflineIRSA
        spawned = OfflineIRSA.spawn()
        print(spawned.process.pid, spawned.base, flush=True)
        time.sleep(600)
    """, tmp_path)
    child_pid, base = parent.stdout.readline().split()
    assert requests.get(f"{base}/firefly/healthz", timeout=10).ok
    parent.kill()  # SIGKILL: nothing in the parent runs
    parent.wait(timeout=10)
    took = wait_until_gone(tag)
    print(f"spawned stand-in gone {took:.2f} s after its parent was killed")
    assert took < 5
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{base}/firefly/healthz", timeout=5)


def test_a_spawned_stand_in_still_stops_when_asked():
    from offline_irsa.server import OfflineIRSA

    spawned = OfflineIRSA.spawn()
    started = time.monotonic()
    spawned.stop()
    assert spawned.process.returncode == 0  # it stopped itself when its stdin closed: not terminated
    assert time.monotonic() - started < 5


@posix_only
def test_sigterm_to_a_process_holding_a_harness_removes_its_temp_folder(tmp_path):
    holder, tag = start("""
        import time
        from offline_irsa.harness import Harness
        with Harness() as harness:
            print(harness._tmp, harness.server.base, flush=True)
            time.sleep(600)
    """, tmp_path)
    folder, base = holder.stdout.readline().split()
    assert os.path.isdir(folder) and folder.startswith(str(tmp_path / "tmp"))
    started = time.monotonic()
    holder.send_signal(signal.SIGTERM)
    holder.wait(timeout=20)
    print(f"SIGTERM: the harness's process ended in {time.monotonic() - started:.2f} s")
    assert not os.path.exists(folder)
    assert list((tmp_path / "tmp").iterdir()) == []
    assert "Terminated: stopped by signal SIGTERM" in holder.stderr.read()
    with pytest.raises(requests.ConnectionError):
        requests.get(base, timeout=5)


def test_a_killed_harness_process_leaves_no_temp_folder(tmp_path):
    """SIGKILL runs no cleanup in the process: the Harness's reaper child removes the folder."""
    holder, tag = start("""
        import time
        from offline_irsa.harness import Harness
        harness = Harness().start()
        print(harness._tmp, flush=True)
        time.sleep(600)
    """, tmp_path)
    folder = holder.stdout.readline().strip()
    assert os.path.isdir(folder)
    holder.kill()
    holder.wait(timeout=10)
    took = wait_until_gone(tag)
    print(f"SIGKILL: the harness's temp folder gone after {took:.2f} s")
    assert not os.path.exists(folder)


@posix_only
def test_sigterm_to_pytest_mid_cell_stops_its_kernel_and_removes_its_temp_folder(tmp_path):
    """A cancelled CI job: pytest gets SIGTERM while a notebook's cell runs."""
    folder = ROOT / "notebooks" / f"_scratch_sigterm_{uuid.uuid4().hex[:8]}"
    folder.mkdir()
    started_file = tmp_path / "cell-started"
    try:
        (folder / "long.md").write_text(FRONT + cell(
            f"import pathlib, time\npathlib.Path({str(started_file)!r}).touch()\ntime.sleep(600)"))
        run, tag = start("", tmp_path, "-m", "pytest", str(folder), "-q", "-p", "no:randomly")
        deadline = time.monotonic() + 120
        while not started_file.exists() and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.2)
        assert started_file.exists(), run.communicate()
        running = tagged(tag)
        assert any("ipykernel" in " ".join(p.cmdline()) for p in running), describe(running)
        assert [p.name for p in (tmp_path / "tmp").iterdir() if p.name.startswith("offline-irsa-")]
        signalled = time.monotonic()
        run.send_signal(signal.SIGTERM)
        out, _ = run.communicate(timeout=60)
        took = time.monotonic() - signalled
    finally:
        import shutil

        shutil.rmtree(folder)
    print(f"pytest ended {took:.2f} s after SIGTERM with exit code {run.returncode}")
    assert took < 15
    assert "Terminated: stopped by signal SIGTERM" in out
    assert run.returncode == pytest.ExitCode.INTERRUPTED
    assert tagged(tag) == [] and alive(running) == []
    assert list((tmp_path / "tmp").iterdir()) == []


@posix_only
def test_run_stops_at_once_on_sigterm_mid_cell(tmp_path):
    """SIGTERM (a cancelled job) ends ``run`` with the kernel and temp folder gone, not the next notebook."""
    (tmp_path / "long.md").write_text(FRONT + cell("import time\ntime.sleep(600)"))
    (tmp_path / "next.md").write_text(FRONT + cell("print('next')"))
    run, tag = start("", tmp_path, "-m", "offline_irsa", "run", str(tmp_path / "long.md"), str(tmp_path / "next.md"),
                     "--out", str(tmp_path / "out"))
    deadline = time.monotonic() + 60
    while not any("ipykernel" in " ".join(p.cmdline()) for p in tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    time.sleep(2)  # the kernel starts the cell
    signalled = time.monotonic()
    run.send_signal(signal.SIGTERM)
    out, err = run.communicate(timeout=60)
    took = time.monotonic() - signalled
    print(f"run ended {took:.2f} s after SIGTERM: {out.splitlines()[-1]}")
    assert took < 10
    assert run.returncode == 128 + signal.SIGTERM, out + err
    assert "stopped while running" in out and "long.md (stopped by signal SIGTERM)" in out
    assert "next.md" not in out and "Traceback" not in err
    assert tagged(tag) == []
    assert list((tmp_path / "tmp").iterdir()) == []


def test_execute_keeps_the_harness_signal_handlers(tmp_path):
    """nbclient resets SIGINT and SIGTERM after a notebook; the Harness's cleanup on SIGTERM must survive it."""
    from offline_irsa.harness import Harness, execute

    (tmp_path / "fine.md").write_text(FRONT + cell("print('fine')"))
    with Harness():
        handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
        execute(tmp_path / "fine.md")
        assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
