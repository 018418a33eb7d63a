"""Running notebooks against the offline IRSA (or the live one), unmodified.

* ``kernels``: ``Harness`` starts the stand-in and sets what every kernel inherits;
* ``routing``: inside a kernel, sends requests for irsa.ipac.caltech.edu to the stand-in;
* ``notebooks``: finding, reading and executing MyST notebooks (each cell within a timeout);
* ``failures``: which cell failed, how, what it was waiting for, and which IRSA service;
* ``processes``: the processes the harness starts, and stopping all of them;
* ``signals``: SIGINT and SIGTERM end every run with its cleanup done;
* ``run`` and ``lab``: the ``python -m offline_irsa run`` and ``lab`` commands;
* ``live`` and ``live_report``: live mode, and which service a failed live run points at.
"""

from __future__ import annotations

import importlib

# Names this package offers, and the module each lives in. Imported on first use (PEP 562), so that
# ``routing``, which every Python process of an offline run imports at start-up (``sitecustomize``),
# costs its own few milliseconds and not the whole harness's 60 ms.
_EXPORTS = {
    "Harness": "kernels", "offline_data_version": "kernels",
    "live_requested": "live", "live_unreachable_reason": "live",
    "NotebookFailed": "notebooks", "cell_timeout": "notebooks", "deprecation_warnings": "notebooks",
    "execute": "notebooks", "find_notebooks": "notebooks", "is_notebook": "notebooks",
    "read_notebook": "notebooks", "stderr_errors": "notebooks",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
