"""pytest runs every MyST notebook under this folder with nbval, offline by default.

A notebook is a ``.md`` file with jupytext front matter, or an ``.ipynb`` on its own. An
``.ipynb`` that jupytext pairs with a ``.md`` (JupyterLab writes one when a reader saves)
is not run: its ``.md`` twin is. nbval's own collector, which would run an ``.ipynb``
without the offline IRSA, is switched off; this file collects notebooks. Before the first one runs, the
offline IRSA starts and kernels are pointed at it (``offline_irsa.harness``); notebooks
keep IRSA's real URLs. ``--live`` (or OFFLINE_IRSA_LIVE=1) runs them against the real
IRSA instead, and skips them with the reason when IRSA cannot be reached. A cell that
prints an error or a traceback to stderr, or warns of a deprecation, fails even if it did
not raise. Each cell may run ``harness.cell_timeout()`` seconds (120; OFFLINE_IRSA_CELL_TIMEOUT
or --nbval-cell-timeout change it), not nbval's 2,000; one that runs longer is interrupted
and its failure says what it was waiting for.
"""

from __future__ import annotations

import warnings
from collections import defaultdict

import pytest
from nbval.plugin import IPyNbCell, IPyNbFile, NbCellError, find_comment_markers, find_metadata_tags

from offline_irsa import harness as nbharness
from offline_irsa.harness.failures import CellFailure
from offline_irsa.harness.notebooks import DEPRECATED

_running: dict = {}  # "session": the Harness; "skip": why live mode cannot run
_nbval_default_timeout: list = []


def pytest_addoption(parser):
    parser.addoption("--live", action="store_true", help="run notebooks against the real IRSA and Firefly")
    _nbval_default_timeout.extend(o.default for o in parser.getgroup("nbval").options
                                  if o.dest == "nbval_cell_timeout")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """Cells get the harness's timeout, not nbval's default, unless --nbval-cell-timeout was given.

    nbval's own collector is switched off: its options stay parsed, but it would run an
    .ipynb without the harness (this file collects every notebook instead).
    """
    if config.getoption("nbval_cell_timeout") in _nbval_default_timeout:
        config.option.nbval_cell_timeout = nbharness.cell_timeout()
    nbval = config.pluginmanager.get_plugin("nbval")
    if nbval is not None:
        config.pluginmanager.unregister(nbval)


def live_mode(config) -> bool:
    return bool(config.getoption("--live")) or nbharness.live_requested()


def running_harness(config) -> nbharness.Harness:
    """The session's harness, started on first use and stopped when the session ends."""
    if "session" not in _running:
        live = live_mode(config)
        if live and "skip" not in _running:
            _running["skip"] = nbharness.live_unreachable_reason()
        if live and _running["skip"]:
            pytest.skip(_running["skip"])
        _running["session"] = nbharness.Harness(live=live).start()
        config.add_cleanup(lambda: _running.pop("session").stop())
    return _running["session"]


@pytest.fixture(scope="session")
def notebook_harness(request) -> nbharness.Harness:
    return running_harness(request.config)


def pytest_collect_file(file_path, parent):
    if nbharness.is_notebook(file_path):
        return MystNotebook.from_parent(parent, path=file_path)
    return None


class MystNotebook(IPyNbFile):
    """An nbval notebook read from MyST markdown, run with the harness in place."""

    def setup(self):
        running_harness(self.config)
        super().setup()

    def collect(self):
        self.nb = nbharness.read_notebook(self.path)
        code_cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        for number, cell in enumerate(code_cells):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                options = defaultdict(bool, find_metadata_tags(cell.metadata))
                options.update(dict(find_comment_markers(cell.source)))
            options.setdefault("check", self.compare_outputs)
            yield StderrCheckedCell.from_parent(self, name=f"Cell {number}", cell_num=number, cell=cell,
                                                options=options)


class StderrCheckedCell(IPyNbCell):
    """A notebook cell that also fails when it printed an error or a deprecation warning to stderr.

    A cell that timed out (nbval has interrupted it, so its traceback shows where it was)
    fails with a message naming the cell, the call it was stuck in and the service.
    """

    def runtest(self):
        try:
            super().runtest()
        except NbCellError as err:
            if not str(err).startswith("Timeout of") or "waiting for output" in str(err):
                raise
            timeout = self.config.option.nbval_cell_timeout
            notebook = self.nodeid.split("::")[0]
            failure = CellFailure(notebook, self.cell_num, self.cell.source, err.inner_traceback or "", timeout=timeout)
            self.raise_cell_error(failure.describe(), err.inner_traceback)
        errors = nbharness.stderr_errors(self.test_outputs or [])
        if errors:
            self.raise_cell_error("Cell printed an error to stderr", "\n".join(errors))
        if deprecations := nbharness.deprecation_warnings(self.test_outputs or []):
            self.raise_cell_error(f"Cell {DEPRECATED}: {deprecations[0]}", "\n".join(deprecations))
