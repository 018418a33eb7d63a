"""Every way of running a notebook ends a stuck cell in bounded time and says what it waited for.

Scratch notebooks: a cell that sleeps, a cell waiting on a loopback socket that accepts and
never answers, cells that warn of deprecations. pytest (nbval) and ``python -m offline_irsa
run`` get a 3 s cell timeout through $OFFLINE_IRSA_CELL_TIMEOUT, as a user would set it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time

import pytest

from offline_irsa.harness import cell_timeout, deprecation_warnings
from offline_irsa.harness.failures import CellFailure, error_line, stuck_call
from offline_irsa.harness.notebooks import CELL_TIMEOUT

from .test_harness import FRONT, ROOT, cell

TIMEOUT = 3
GIVEN = 3 * TIMEOUT  # a timeout a request gives itself, which routing must keep
SILENT_SERVER = """\
import socket, threading, requests
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen()
held = []  # accepted and never answered, nor closed
threading.Thread(target=lambda: [held.append(listener.accept()) for _ in iter(int, 1)], daemon=True).start()
url = f"http://127.0.0.1:{listener.getsockname()[1]}/ibe/sia/twomass/allsky/allsky?POS=10,41&SIZE=0.01"
"""
OLD_API = '''\
"""A library with deprecated functions, as astropy and numpy write them."""
import warnings

from astropy.utils.decorators import deprecated


def renamed():
    warnings.warn("renamed() is deprecated, use new()", DeprecationWarning, stacklevel=2)


def uses_deprecated_internals():
    warnings.warn("oldapi calls something deprecated inside itself", DeprecationWarning)


@deprecated("1.0", alternative="new()")
def astropy_style():
    pass
'''


@pytest.fixture(scope="module")
def notebooks():
    """A scratch folder in the repository (so pytest collects it), with the notebooks above."""
    import shutil

    folder = ROOT / "notebooks" / "_scratch_bounded_runs"
    folder.mkdir()
    (folder / "oldapi.py").write_text(OLD_API)
    (folder / "sleeps.md").write_text(FRONT + cell("print('started')") + cell("import time\ntime.sleep(600)")
                                      + cell("print('not reached')"))
    (folder / "silent_server.md").write_text(FRONT + cell(SILENT_SERVER) + cell("requests.get(url)"))
    (folder / "deprecations.md").write_text(
        FRONT + cell("import warnings\nimport oldapi\noldapi.uses_deprecated_internals()") + cell("oldapi.renamed()")
        + cell("oldapi.astropy_style()") + cell("warnings.warn('the default will change', FutureWarning)")
        + cell("warnings.warn('soon to be deprecated', PendingDeprecationWarning)"))
    (folder / "fine.md").write_text(FRONT + cell("print('fine')"))
    yield folder
    shutil.rmtree(folder)


def run_with_timeout(command: list[str], limit: float = 120) -> tuple[subprocess.CompletedProcess, float]:
    """Run with a 3 s cell timeout; past ``limit``, SIGTERM it (so it cleans up) and fail."""
    env = os.environ | {"OFFLINE_IRSA_CELL_TIMEOUT": str(TIMEOUT)}
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = process.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        process.terminate()
        out, err = process.communicate(timeout=30)
        pytest.fail(f"{' '.join(command)} still ran after {limit} s:\n{out[-3000:]}")
    return subprocess.CompletedProcess(command, process.returncode, out, err), time.monotonic() - started


def test_cell_timeout_defaults_to_120_s_and_follows_the_environment(monkeypatch, request):
    monkeypatch.delenv("OFFLINE_IRSA_CELL_TIMEOUT", raising=False)
    assert cell_timeout() == CELL_TIMEOUT == 120
    monkeypatch.setenv("OFFLINE_IRSA_CELL_TIMEOUT", "7.5")
    assert cell_timeout() == 7.5
    if not any(arg.startswith("--nbval-cell-timeout") for arg in request.config.invocation_params.args):
        monkeypatch.undo()
        assert request.config.option.nbval_cell_timeout == cell_timeout()  # not nbval's 2,000 s


def test_pytest_ends_stuck_cells_and_names_the_call_and_service(notebooks):
    result, took = run_with_timeout([sys.executable, "-m", "pytest", str(notebooks), "-q", "-p", "no:randomly",
                                     "--color=no"])
    out = result.stdout
    print(f"pytest on the scratch notebooks: {took:.1f} s")
    assert took < 60, out[-3000:]
    assert "sleeps.md, cell 1 (import time) did not finish within 3 s" in out, out[-3000:]
    assert re.search(r"it was waiting in: Cell In\[\d+\], line 2: time.sleep\(600\)", out)
    assert "silent_server.md, cell 1 (requests.get(url)) did not finish within 3 s" in out
    assert "it was waiting in: " in out and "recv_into" in out
    assert "KeyboardInterrupt: interrupted while waiting for an answer from http://127.0.0.1:" in out
    assert "service: IRSA SIA v1 search" in out
    assert "deprecations.md::Cell 0 PASSED" not in out  # -q: only failures are listed by name
    for failed in ("sleeps.md::Cell 1", "silent_server.md::Cell 1", "deprecations.md::Cell 1",
                   "deprecations.md::Cell 2", "deprecations.md::Cell 3", "deprecations.md::Cell 4"):
        assert f"FAILED notebooks/_scratch_bounded_runs/{failed} " in out, failed
    assert "deprecations.md::Cell 0 " not in out.split("short test summary")[-1]
    assert "DeprecationWarning: renamed() is deprecated, use new()" in out
    assert "AstropyDeprecationWarning: The astropy_style function is deprecated" in out
    assert "FutureWarning: the default will change" in out
    assert "PendingDeprecationWarning: soon to be deprecated" in out  # hidden by default: the kernels show it
    # nbval expects the cell after a timed-out one to fail; the interrupt left the kernel usable, so it passes
    assert "6 failed, 4 passed, 1 xpassed" in out, out[-500:]


def test_run_reports_every_notebook_and_leaves_no_stale_copy(notebooks, tmp_path):
    out = tmp_path / "executed"
    copies = out / notebooks.relative_to(ROOT)
    stale = copies / "sleeps.ipynb"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")  # an older, successful run
    result, took = run_with_timeout([sys.executable, "-m", "offline_irsa", "run", str(notebooks), "--out", str(out)])
    text = result.stdout
    print(f"run on the scratch notebooks: {took:.1f} s\n{text}")
    assert result.returncode == 1, text + result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert took < 60
    assert "ok   " in text and "fine.md" in text
    assert "sleeps.md, cell 1 (import time) did not finish within 3 s" in text
    assert re.search(r"it was waiting in: Cell In\[\d+\], line 2: time.sleep\(600\)", text)
    assert "silent_server.md, cell 1 (requests.get(url)) did not finish within 3 s" in text
    assert "service: IRSA SIA v1 search" in text
    assert "deprecations.md, cell 1 (oldapi.renamed()) warned of a deprecation" in text
    assert "deprecations.md, cell 2 (oldapi.astropy_style()) warned of a deprecation" in text
    assert "deprecations.md, cell 4 (" in text and "deprecations.md, cell 0 (" not in text
    assert "1 of 4 notebooks ran; failed:" in text
    assert not stale.exists()
    assert sorted(p.name for p in copies.iterdir()) == [
        "deprecations.failed.ipynb", "fine.ipynb", "silent_server.failed.ipynb", "sleeps.failed.ipynb"]
    import nbformat

    partial = nbformat.read(copies / "sleeps.failed.ipynb", as_version=4)
    assert "did not finish within 3 s" in partial.metadata["offline_irsa"]["failed"]
    assert partial.cells[0].cell_type == "markdown" and "FAILED" in partial.cells[0].source
    assert partial.cells[1].outputs[0]["text"] == "started\n"


def test_routed_requests_without_a_timeout_get_one(tmp_path):
    """firefly_client, pyvo and urllib send IRSA requests with no timeout; routed, they end anyway."""
    script = tmp_path / "silent.py"
    script.write_text(textwrap.dedent(f"""
        import socket, threading, time, urllib.request
        import pyvo, requests
        from firefly_client import FireflyClient
        from offline_irsa.harness import routing

        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        held = []
        threading.Thread(target=lambda: [held.append(listener.accept()) for _ in iter(int, 1)], daemon=True).start()
        routing.activate(f"http://127.0.0.1:{{listener.getsockname()[1]}}")
        sia = "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky"
        calls = {{
            "requests": lambda: requests.get(sia),
            "urllib": lambda: urllib.request.urlopen(sia),
            "pyvo": lambda: pyvo.dal.SIAService(sia).search(pos=(10, 41), size=0.01),
            "firefly_client": lambda: FireflyClient.make_client(url="https://irsa.ipac.caltech.edu/irsaviewer"),
            "given timeout kept": lambda: requests.get(sia, timeout={GIVEN}),
        }}
        for name, call in calls.items():
            started, ended = time.monotonic(), []

            def attempt():
                try:
                    call()
                    ended.append("answered?")
                except Exception as err:
                    ended.append(type(err).__name__)

            threading.Thread(target=attempt, daemon=True).start()
            while not ended and time.monotonic() - started < {10 * GIVEN}:
                time.sleep(0.05)
            print(f"{{name}}: {{time.monotonic() - started:.1f}} s {{ended[0] if ended else 'still waiting'}}")
    """))
    env = os.environ | {"OFFLINE_IRSA_REQUEST_TIMEOUT": str(TIMEOUT)}
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, env=env)
    print(result.stdout)
    lines = dict(line.split(": ", 1) for line in result.stdout.splitlines() if ": " in line)
    assert set(lines) == {"requests", "urllib", "pyvo", "firefly_client", "given timeout kept"}, result.stderr
    for name, line in lines.items():
        seconds = float(line.split()[0])
        # Never before its timeout: the given one kept (longer than the stand-in's default), or the default.
        # Ended well before ten times that, however busy the machine: not left waiting for ever.
        limit = GIVEN if name == "given timeout kept" else TIMEOUT
        assert limit - 0.2 < seconds < 10 * limit, (name, line)


def test_failure_messages_name_the_cell_the_call_and_the_service():
    traceback = (
        "\x1b[31mKeyboardInterrupt\x1b[39m    Traceback (most recent call last)\n"
        "Cell In[5], line 1\n----> 1 images = Table.read(query_url)\n\n"
        "File /usr/lib/python3.11/socket.py:706, in SocketIO.readinto(self, b)\n"
        "    705 try:\n--> 706     return self._sock.recv_into(b)\n\nKeyboardInterrupt: \n\n"
        "The above exception was the direct cause of the following exception:\n\n"
        "File /x/routing.py:60, in open_routed(...)\n---> 60 raise KeyboardInterrupt(...)\n\n"
        "KeyboardInterrupt: interrupted while waiting for an answer from "
        "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky?POS=1,2\n"
    )
    assert stuck_call(traceback) == "/usr/lib/python3.11/socket.py:706, in SocketIO.readinto(self, b): " \
                                    "return self._sock.recv_into(b)"
    assert error_line(traceback).startswith("KeyboardInterrupt: interrupted while waiting for an answer from https")
    failure = CellFailure("nb.md", 4, "\n# read the table\nimages = Table.read(query_url)\n", traceback, timeout=120)
    assert failure.describe().splitlines() == [
        "nb.md, cell 4 (# read the table) did not finish within 120 s",
        "it was waiting in: /usr/lib/python3.11/socket.py:706, in SocketIO.readinto(self, b): "
        "return self._sock.recv_into(b)",
        "error: " + error_line(traceback),
        "service: IRSA SIA v1 search",
    ]
    python_style = 'Traceback (most recent call last):\n  File "/x/a.py", line 3, in f\n    sleep(9)\nKeyboardInterrupt'
    assert stuck_call(python_style) == '"/x/a.py", line 3, in f: sleep(9)'
    ipython_7 = ("KeyboardInterrupt   Traceback (most recent call last)\n<ipython-input-2-9f> in <module>\n"
                 "----> 1 get(url)\n\n~/lib/socket.py in readinto(self, b)\n--> 706 return self._sock.recv_into(b)\n"
                 "\nKeyboardInterrupt: ")
    assert stuck_call(ipython_7) == "~/lib/socket.py in readinto(self, b): return self._sock.recv_into(b)"


@pytest.mark.parametrize("text, found", [
    ("/tmp/ipykernel_1/2.py:3: AstropyDeprecationWarning: The f function is deprecated\n  f()\n", True),
    ("x.py:1: MatplotlibDeprecationWarning: The x attribute was deprecated in Matplotlib 3.10\n", True),
    ("x.py:1: VisibleDeprecationWarning: old\n", True),
    ("x.py:1: FutureWarning: the default will change\n", True),
    ("WARNING: FITSFixedWarning: 'datfix' made the change\n", False),
    ("the DeprecationWarning class is documented here\n", False),
])
def test_deprecation_warnings_in_stderr(text, found):
    outputs = [{"output_type": "stream", "name": "stderr", "text": text}]
    assert bool(deprecation_warnings(outputs)) == found
    assert not deprecation_warnings([{"output_type": "stream", "name": "stdout", "text": text}])
