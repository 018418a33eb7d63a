"""What a reader of the 2MASS SIA v1 tutorial sees when IRSA fails, with faults injected.

Each test tells the offline IRSA to fail in one way, runs the unmodified notebook in a fresh
kernel, and checks that the run stops at the cell that met the failure, soon, with a message
that names the service and what went wrong, rather than a confusing error cells later.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from offline_irsa.harness import Harness, execute, read_notebook
from offline_irsa.harness.failures import CellFailure, plain
from offline_irsa.harness.notebooks import NotebookFailed

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-sia-v1.md"
SEARCH_CELL = "answer = get_from_irsa(query_url"
IMAGE_CELL = "download = get_from_irsa(image_url"
CUTOUT_CELL = "small = get_from_irsa(cutout_url"


def run_until_it_fails(seconds: float = 60) -> tuple[CellFailure, str, float]:
    """The failure, everything it says (its summary and the cell's traceback), and how long the run took."""
    start = time.perf_counter()
    with pytest.raises(NotebookFailed) as failed:
        execute(NOTEBOOK, timeout=seconds)
    failure = failed.value.failure
    return failure, failure.describe() + "\n" + plain(failure.traceback), time.perf_counter() - start


def cell_number(fragment: str) -> int:
    """The number nbval gives the code cell holding ``fragment``."""
    code = [c.source for c in read_notebook(NOTEBOOK).cells if c.cell_type == "code"]
    (number,) = [i for i, source in enumerate(code) if fragment in source]
    return number


@pytest.fixture
def faults(notebook_harness):
    if notebook_harness.live:
        pytest.skip("faults are injected into the offline IRSA")
    yield notebook_harness.server.faults
    notebook_harness.server.faults.clear()


@pytest.mark.parametrize("route, kind, value, cell, message", [
    ("sia", "status", 503, SEARCH_CELL, "IRSA's SIA service answered 503 SERVICE UNAVAILABLE"),
    ("sia", "status", 500, SEARCH_CELL, "IRSA's SIA service answered 500 INTERNAL SERVER ERROR"),
    ("sia", "html", None, SEARCH_CELL, "IRSA's SIA service did not send the table asked for; it began: '<!doctype"),
    ("data", "status", 503, IMAGE_CELL, "IRSA's image service (IBE) answered 503"),
    ("data", "truncate", 1000, IMAGE_CELL, "IRSA's image service (IBE) did not answer (ChunkedEncodingError)"),
    ("cutout", "status", 500, CUTOUT_CELL, "IRSA's cutout service (IBE) answered 500"),
])
def test_the_reader_is_told_which_service_failed_and_how(faults, route, kind, value, cell, message):
    faults.inject(route, kind, value)
    failure, text, seconds = run_until_it_fails()
    assert message in failure.error, text[-1500:]
    assert failure.cell == cell_number(cell)  # the cell that met the failure, not a later one
    assert "fault injected by offline_irsa" in text or kind in ("html", "truncate")
    assert seconds < 30


def test_the_service_refusing_a_query_shows_the_services_own_message(faults):
    """IRSA's 400 message (here: SIA refusing a query) reaches the reader."""
    faults.inject("sia", "status", 400)
    failure, _, _ = run_until_it_fails()
    assert "IRSA's SIA service answered 400 BAD REQUEST" in failure.error


def test_irsa_unreachable_ends_fast_and_says_so():
    """The stand-in stops: the next request is refused, as when IRSA is down."""
    with Harness() as own:
        own.server.faults.inject("sia", "stop")
        failure, text, seconds = run_until_it_fails()
    assert "IRSA's SIA service did not answer (ConnectionError)" in failure.error, text[-1500:]
    assert failure.cell == cell_number(SEARCH_CELL) and seconds < 30


def test_a_hung_search_ends_at_the_cell_timeout_saying_what_it_waited_for(faults):
    faults.inject("sia", "hang")
    failure, text, seconds = run_until_it_fails(seconds=5)
    assert failure.cell == cell_number(SEARCH_CELL) and 5 <= seconds < 30
    assert "did not finish within 5 s" in text and "it was waiting in:" in text, text[-1500:]
    assert failure.service == "IRSA SIA v1 search"


def test_a_hung_firefly_ends_with_a_timeout_naming_firefly(faults, monkeypatch):
    """firefly_client sets no timeout of its own; offline kernels give its requests one."""
    monkeypatch.setenv("OFFLINE_IRSA_REQUEST_TIMEOUT", "3")
    faults.inject("firefly", "hang")
    failure, text, seconds = run_until_it_fails()
    assert failure.cell == cell_number("FireflyClient.make_lab_client()") and seconds < 30, text[-1500:]
    assert "Timeout" in failure.error and failure.service.startswith("Firefly"), text[-1500:]
