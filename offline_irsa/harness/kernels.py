"""Run notebook kernels against the offline IRSA (or the live one), unmodified.

``Harness`` starts the stand-in once and sets the environment every kernel started
afterwards inherits:

* an IPython startup file (in a private IPYTHONDIR) that routes irsa.ipac.caltech.edu
  to the stand-in (``routing``);
* the variables jupyter_firefly_extensions sets in JupyterLab, pointing at the Firefly
  stand-in, so ``FireflyClient.make_lab_client()`` works; FIREFLY_URL for
  ``make_client()``; BROWSER=false, so nothing opens a browser;
* private astropy cache directories, so synthetic files never enter the user's
  download cache, where a later live run would find them under IRSA's real URLs;
* warnings filters that show every deprecation warning a cell's own code causes (see
  ``STARTUP``), so the stderr check fails the cell;
* a working folder of its own for each kernel (``WORKDIR``), offline and live: the files
  beside the notebook are copied there and the kernel starts in it, so what a notebook
  writes (cutouts, say) stays out of the reader's folder and cannot overwrite what the
  reader made there. ``lab`` turns this off: a workshop's notebooks write where readers look.

Live mode leaves out the rest: kernels talk to the real IRSA.

A started Harness cleans up (stand-in, temp folder) on ``stop``, at interpreter exit, and on
SIGTERM, which it turns into ``signals.Terminated``, a KeyboardInterrupt: pytest, Sphinx and ``run``
then stop as on Ctrl+C, shutting their kernels down, and a cancelled CI job leaves nothing.
Should the process die with no cleanup at all (SIGKILL; SIGTERM once a library has reset its
handler), a small child process removes the temp folder (``REAPER``).
"""

from __future__ import annotations

import atexit
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from offline_irsa.harness.routing import ENV_VAR, IRSA_HOST
from offline_irsa.harness.signals import in_main_thread, sigterm_raises

# Python shows a DeprecationWarning (matplotlib's is a subclass) only when it is attributed to
# __main__, that is to a cell's own code: a library that warns with the right stacklevel points at
# the cell (matplotlib always does); one a library attributes to itself stays hidden, as it does for
# readers, who could not fix it either. "always" shows each one, not once per place, and shows
# PendingDeprecationWarning too, hidden by default. astropy's AstropyDeprecationWarning (pyvo uses
# it too), numpy's VisibleDeprecationWarning and FutureWarning are not DeprecationWarnings: Python
# shows them wherever they come from, as readers see them, and they fail the run as well.
# It runs in the notebook's namespace, so it defines nothing there that a notebook could come to rely on.
STARTUP = """\
def _offline_irsa():
    import warnings

    from offline_irsa.harness import routing

    for category in (DeprecationWarning, PendingDeprecationWarning):
        warnings.filterwarnings("always", category=category, module="__main__")
    routing.activate()


_offline_irsa()
del _offline_irsa
"""

# Copies the files beside the notebook (not its folders, which a notebook could write into) into a
# new folder under $OFFLINE_IRSA_WORKDIRS, and moves the kernel there. Standard library only: it
# runs in live kernels too.
WORKDIR_ENV_VAR = "OFFLINE_IRSA_WORKDIRS"
WORKDIR = """def _offline_irsa_workdir():
    import os
    import shutil
    import tempfile

    here = os.getcwd()
    work = tempfile.mkdtemp(prefix=os.path.basename(here) + "-", dir=os.environ["OFFLINE_IRSA_WORKDIRS"])
    for entry in os.scandir(here):
        if entry.is_file():
            shutil.copy2(entry.path, work)
    os.chdir(work)


_offline_irsa_workdir()
del _offline_irsa_workdir
"""


# Waits for the end of its stdin, a pipe from the Harness's process, which comes on ``stop`` or when
# that process dies, however it dies; then removes the temp folder. (Kernels left by a killed
# process stop by themselves: ipykernel watches its parent.)
REAPER = "import shutil, sys\nsys.stdin.buffer.read()\nshutil.rmtree(sys.argv[1], ignore_errors=True)\n"


def offline_data_version() -> str:
    """A short hash of the code that makes the offline data: it changes when the answers may."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([*package.rglob("sky/**/*.py"), *package.rglob("services/**/*")]):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


class Harness:
    """The offline IRSA plus the environment kernels need to use it."""

    def __init__(self, live: bool = False, workdirs: bool = True) -> None:
        self.live = live
        self.workdirs = workdirs
        self.server = None
        self.channel = f"offline-irsa-{uuid.uuid4().hex[:12]}"
        self._tmp: Path | None = None
        self._reaper: subprocess.Popen | None = None
        self._saved: dict[str, str | None] = {}
        self._sigterm_before = None

    def environment(self) -> dict[str, str]:
        """Variables to set for kernels (only valid after ``start``)."""
        env = {"BROWSER": "false"}
        tmp = self._tmp
        if self.workdirs:
            env |= {"IPYTHONDIR": str(tmp / "ipython"), WORKDIR_ENV_VAR: str(tmp / "work")}
        if self.live:
            return env
        package_parent = str(Path(__file__).resolve().parents[2])
        return env | {
            ENV_VAR: self.server.base,
            "IPYTHONDIR": str(tmp / "ipython"),
            "ASTROPY_CACHE_DIR": str(tmp / "astropy-cache"),
            "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
            "FIREFLY_URL": self.server.firefly,
            "fireflyLabExtension": "true",
            "fireflyURLLab": self.server.firefly,
            "fireflyChannelLab": self.channel,
            "PIP_NO_INDEX": "1",  # a notebook's %pip install uses what is installed: offline means offline
            "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost", IRSA_HOST])),
            "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")])),
        }

    def start(self) -> Harness:
        atexit.register(self.stop)
        self._sigterm_before = sigterm_raises()
        if not self.live or self.workdirs:
            self._tmp = Path(tempfile.mkdtemp(prefix="offline-irsa-"))
            self._reaper = subprocess.Popen([sys.executable, "-c", REAPER, str(self._tmp)], stdin=subprocess.PIPE)
            startup = self._tmp / "ipython" / "profile_default" / "startup"
            startup.mkdir(parents=True)
        if self.workdirs:
            (self._tmp / "work").mkdir()
            (startup / "00-offline-irsa-workdir.py").write_text(WORKDIR)
        if not self.live:
            from offline_irsa.server import OfflineIRSA

            (startup / "01-offline-irsa.py").write_text(STARTUP)
            (self._tmp / "astropy-cache").mkdir()
            (self._tmp / "xdg-cache" / "astropy").mkdir(parents=True)  # older astropy needs it to exist
            self.server = OfflineIRSA().start()
        for key, value in self.environment().items():
            self._saved[key] = os.environ.get(key)
            os.environ[key] = value
        return self

    def stop(self) -> None:
        """Stop the stand-in, remove the temp folder, restore the environment; safe to call twice."""
        atexit.unregister(self.stop)
        if self._sigterm_before is not None and in_main_thread():
            signal.signal(signal.SIGTERM, self._sigterm_before)
            self._sigterm_before = None
        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        self._saved.clear()
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._reaper is not None:
            self._reaper.stdin.close()
            self._reaper.wait(timeout=30)
            self._reaper = None

    def __enter__(self) -> Harness:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
