"""Processes the harness starts, and making sure none of them outlives its owner.

``family`` lists a process and everything below it; ``stop_all`` asks them to stop and kills
what does not; ``tagged`` finds processes by a variable in their environment, which every
process started below inherits, even once its parent is gone: tests use it to check that
nothing they started is left running.
"""

from __future__ import annotations

import psutil

TAG_ENV_VAR = "OFFLINE_IRSA_TEST_TAG"


def family(pid: int) -> list[psutil.Process]:
    """The process and all its descendants (empty if it is gone)."""
    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (a zombie, dead but not yet reaped, does not count)."""
    running = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                running.append(process)
        except psutil.NoSuchProcess:
            pass
    return running


def stop_all(processes: list[psutil.Process], grace: float = 10) -> list[psutil.Process]:
    """Terminate the processes, kill those still running after ``grace`` seconds; returns the killed."""
    for process in alive(processes):
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    _, survivors = psutil.wait_procs(alive(processes), timeout=grace)
    for process in survivors:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            pass
    psutil.wait_procs(survivors, timeout=grace)
    return survivors


def tagged(tag: str) -> list[psutil.Process]:
    """Running processes whose environment has $OFFLINE_IRSA_TEST_TAG set to ``tag``."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(TAG_ENV_VAR) == tag:
                found.append(process)
        except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess, OSError):
            continue
    return alive(found)


def describe(processes: list[psutil.Process]) -> str:
    """One line per process: pid and command line, for an assertion message."""
    lines = []
    for process in processes:
        try:
            lines.append(f"{process.pid}: {' '.join(process.cmdline())[:200]}")
        except psutil.Error:
            lines.append(f"{process.pid}: (gone)")
    return "\n".join(lines)
