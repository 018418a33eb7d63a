"""Run notebook kernels against the offline IRSA (or the live one), unmodified.

``Harness`` starts the stand-in once and sets the environment every kernel started
afterwards inherits:

* connections routed (``routing``): irsa.ipac.caltech.edu reaches the stand-in, over HTTP and
  HTTPS (its throw-away authority's certificate in ``ca.pem``), and no other host is reached. A
  ``sitecustomize`` module on PYTHONPATH turns it on in every Python process the kernel's
  environment reaches (the kernel, ``!python`` in a cell, worker processes); curl and wget, which
  are not Python, get the stand-in as their proxy and its authority through their own
  configuration files (CURL_HOME, WGETRC);
* the variables jupyter_firefly_extensions sets in JupyterLab, pointing at the Firefly
  stand-in, so ``FireflyClient.make_lab_client()`` works; FIREFLY_URL for
  ``make_client()``; BROWSER=false, so nothing opens a browser;
* private astropy cache directories, so synthetic files never enter the user's
  download cache, where a later live run would find them under IRSA's real URLs;
* warnings filters that show every deprecation warning a cell's own code causes (see
  ``STARTUP``), so the stderr check fails the cell;
* a working folder of its own for each kernel (``WORKDIR``), offline and live: what is
  beside the notebook (files and sub-folders, such as a helper package or a data folder, up to
  ``WORKDIR_CAP_BYTES``) is copied there and the kernel starts in it, so what a notebook
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

from offline_irsa.harness.routing import CA_ENV_VAR, ENV_VAR, IRSA_HOST, TLS_ENV_VAR
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
    if routing.activate():
        routing.name_interrupted_requests()


_offline_irsa()
del _offline_irsa
"""

# Every Python process started with the harness's environment (kernels, and what they start) routes
# its connections before anything else runs. Another sitecustomize further along sys.path (a
# distribution's own) still runs after this one.
SITECUSTOMIZE = """import os as _os

if _os.environ.get("OFFLINE_IRSA_URL"):
    from offline_irsa.harness import routing as _routing

    _routing.activate()
    del _routing


def _run_next_sitecustomize():
    import importlib.machinery
    import importlib.util
    import sys

    here = _os.path.dirname(_os.path.abspath(__file__))
    places = [_os.path.abspath(p or ".") for p in sys.path]
    later = sys.path[places.index(here) + 1:] if here in places else []
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", later)
    if spec is not None and spec.loader is not None:
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


_run_next_sitecustomize()
del _os, _run_next_sitecustomize
"""

# Copies what is beside the notebook into a new folder under $OFFLINE_IRSA_WORKDIRS, and moves the kernel
# there: files, and sub-folders (a helper package, a data folder) unless together they pass the cap. Then
# only the files travel, and every code cell fails with a message that says why: the kernel's start-up
# output reaches no cell, and a notebook that ran without its folders would fail later at a read that
# does not say why. Folders of tools and caches stay behind. Standard library only: it
# runs in live kernels too.
WORKDIR_ENV_VAR = "OFFLINE_IRSA_WORKDIRS"
WORKDIR_CAP_BYTES = 200 * 1024 * 1024  # larger than any tutorial's own material, smaller than a mistake
WORKDIR = """def _offline_irsa_workdir(cap={cap}, skip={skip!r}):
    import os
    import shutil
    import tempfile

    here = os.getcwd()
    work = tempfile.mkdtemp(prefix=os.path.basename(here) + "-", dir=os.environ["OFFLINE_IRSA_WORKDIRS"])
    entries = [e for e in os.scandir(here) if e.name not in skip]
    folders = [e for e in entries if e.is_dir(follow_symlinks=False) and not e.name.startswith(".")]
    size = 0
    for folder in folders:
        for root, dirs, files in os.walk(folder.path):
            dirs[:] = [d for d in dirs if d not in skip]
            size += sum(os.lstat(os.path.join(root, f)).st_size for f in files)
    if size > cap:
        message = (f"offline_irsa: the folders beside this notebook hold {{size / 2**20:.1f}} MB, more than the "
                   f"{{cap / 2**20:.0f}} MB copied into a kernel's working folder, so only its files were copied "
                   "and this run stops here. Move large data out of the notebook's folder, or read it by its "
                   "absolute path.")
        get_ipython().input_transformers_cleanup.append(lambda lines: [f"raise RuntimeError({{message!r}})\\n"])
        folders = []
    for entry in entries:
        if entry.is_file():
            shutil.copy2(entry.path, work)
    for folder in folders:
        shutil.copytree(folder.path, os.path.join(work, folder.name), symlinks=True,
                        ignore=shutil.ignore_patterns(*skip))
    os.chdir(work)


_offline_irsa_workdir()
del _offline_irsa_workdir
"""
WORKDIR_SKIP = ("__pycache__", ".ipynb_checkpoints", ".git", ".tox", ".venv", "venv", "_build", "node_modules")

# curl and wget are not Python: their own configuration makes the stand-in their proxy (it tunnels IRSA's
# host and refuses every other) and has them trust its authority.
CURLRC = "proxy = {proxy}\nnoproxy = 127.0.0.1,localhost,::1\ncacert = {ca}\n"
WGETRC = "use_proxy = on\nhttp_proxy = {proxy}\nhttps_proxy = {proxy}\nno_proxy = 127.0.0.1,localhost\n" \
         "ca_certificate = {ca}\n"


# Waits for the end of its stdin, a pipe from the Harness's process, which comes on ``stop`` or when
# that process dies, however it dies; then removes the temp folder. (Kernels left by a killed
# process stop by themselves: ipykernel watches its parent.)
REAPER = "import shutil, sys\nsys.stdin.buffer.read()\nshutil.rmtree(sys.argv[1], ignore_errors=True)\n"


def data_code_files() -> list[Path]:
    """The code that makes the offline data: the sky, every survey (tiling, headers, pixels), every
    protocol, and the server that routes to them."""
    package = Path(__file__).resolve().parents[1]
    made_by = [*package.glob("sky/**/*.py"), *package.glob("surveys/**/*.py"), *package.glob("services/**/*"),
               package / "server.py"]
    return sorted(path for path in made_by if path.is_file() and "__pycache__" not in path.parts)


def offline_data_version() -> str:
    """A short hash of the code that makes the offline data: it changes when the answers may."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in data_code_files():
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
        tls_host, tls_port = self.server.tls_address
        return env | {
            ENV_VAR: self.server.base,
            TLS_ENV_VAR: f"{tls_host}:{tls_port}",
            CA_ENV_VAR: str(tmp / "ca.pem"),
            "CURL_HOME": str(tmp / "curl"),
            "WGETRC": str(tmp / "wgetrc"),
            "IPYTHONDIR": str(tmp / "ipython"),
            "ASTROPY_CACHE_DIR": str(tmp / "astropy-cache"),
            "XDG_CACHE_HOME": str(tmp / "xdg-cache"),
            "FIREFLY_URL": self.server.firefly,
            "fireflyLabExtension": "true",
            "fireflyURLLab": self.server.firefly,
            "fireflyChannelLab": self.channel,
            "PIP_NO_INDEX": "1",  # a notebook's %pip install uses what is installed: offline means offline
            "NO_PROXY": ",".join(filter(None, [os.environ.get("NO_PROXY"), "127.0.0.1", "localhost", IRSA_HOST])),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(tmp / "site"), package_parent,
                                                        os.environ.get("PYTHONPATH")])),
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
            (startup / "00-offline-irsa-workdir.py").write_text(
                WORKDIR.format(cap=WORKDIR_CAP_BYTES, skip=WORKDIR_SKIP))
        if not self.live:
            from offline_irsa.server import OfflineIRSA

            (startup / "01-offline-irsa.py").write_text(STARTUP)
            (self._tmp / "astropy-cache").mkdir()
            (self._tmp / "xdg-cache" / "astropy").mkdir(parents=True)  # older astropy needs it to exist
            self.server = OfflineIRSA().start()
            self._write_routing_files()
        for key, value in self.environment().items():
            self._saved[key] = os.environ.get(key)
            os.environ[key] = value
        return self

    def _write_routing_files(self) -> None:
        """sitecustomize for Python processes; the authority, and curl's and wget's configuration."""
        tmp = self._tmp
        (tmp / "site").mkdir()
        (tmp / "site" / "sitecustomize.py").write_text(SITECUSTOMIZE)
        ca = self.server.authority.write_ca(tmp / "ca.pem")
        (tmp / "curl").mkdir()
        (tmp / "curl" / ".curlrc").write_text(CURLRC.format(proxy=self.server.base, ca=ca))
        (tmp / "wgetrc").write_text(WGETRC.format(proxy=self.server.base, ca=ca))

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
