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

from offline_irsa.harness.kernels import Harness, offline_data_version
from offline_irsa.harness.live import live_requested, live_unreachable_reason
from offline_irsa.harness.notebooks import (
    NotebookFailed,
    cell_timeout,
    deprecation_warnings,
    execute,
    find_notebooks,
    is_notebook,
    read_notebook,
    stderr_errors,
)

__all__ = [
    "Harness", "NotebookFailed", "cell_timeout", "deprecation_warnings", "execute", "find_notebooks", "is_notebook",
    "live_requested", "live_unreachable_reason", "offline_data_version", "read_notebook", "stderr_errors",
]
