"""How the harness's processes stop on SIGINT and SIGTERM, so that their cleanup always runs.

* ``Terminated``: SIGTERM (and SIGINT, while nbclient runs a notebook) raised as a
  KeyboardInterrupt, so pytest, Sphinx and ``run`` unwind as on Ctrl+C and every cleanup runs;
* ``sigterm_raises``: the Harness's SIGTERM handler, installed only where none was;
* ``kept_handlers`` and ``stop_kernel_on_signals``: nbclient handles both signals itself while
  a notebook runs (it shuts the kernel down but keeps the signal to itself) and then resets
  them to their defaults; these note the signal and put the process's handlers back;
* ``StopRequests``: counts the signals instead (``lab``, which stops JupyterLab itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(KeyboardInterrupt):
    """A stop signal arrived: unwind as for Ctrl+C; ``signum`` says which."""

    def __init__(self, signum: int) -> None:
        self.signum = signal.Signals(signum)
        super().__init__(f"stopped by signal {self.signum.name}")


def _raise_terminated(signum, frame) -> None:
    raise Terminated(signum)


def in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def sigterm_raises():
    """Make SIGTERM raise ``Terminated``; returns the handler it replaced (None if it left it alone).

    It leaves a handler someone else installed, and the other threads (which cannot set one).
    """
    if in_main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        return signal.signal(signal.SIGTERM, _raise_terminated)
    return None


@contextlib.contextmanager
def kept_handlers():
    """Restore the process's SIGINT and SIGTERM handlers on exit, whatever changed them meanwhile."""
    saved = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS} if in_main_thread() else {}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            if handler is not None:  # None: set outside Python, cannot be put back
                signal.signal(sig, handler)


def stop_kernel_on_signals(client, received: list):
    """An nbclient ``on_notebook_start`` hook: on SIGINT or SIGTERM, note it in ``received`` and stop the kernel."""
    def install(notebook) -> None:
        loop = asyncio.get_running_loop()

        def stop(sig: signal.Signals) -> None:
            received.append(sig)
            loop.create_task(client.km.shutdown_kernel(now=True))

        for sig in STOP_SIGNALS:
            try:
                loop.add_signal_handler(sig, stop, sig)
            except (NotImplementedError, RuntimeError):  # Windows; not the main thread
                pass

    return install


class StopRequests:
    """Counts SIGINT and SIGTERM while installed, instead of letting them end the process at once."""

    def __init__(self) -> None:
        self.count = 0
        self._before: dict = {}

    def _note(self, signum, frame) -> None:
        self.count += 1

    def __enter__(self) -> StopRequests:
        for sig in STOP_SIGNALS:
            self._before[sig] = signal.signal(sig, self._note)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._before.items():
            signal.signal(sig, handler)
