"""What a reader of the 2MASS SIA v1 tutorial sees when IRSA fails, with faults injected.

Each test tells the offline IRSA to fail in one way, runs the unmodified notebook in a fresh
kernel, and checks that the run stops at the cell that met the failure, soon, with a message
that names the service and what went wrong, rather than a confusing error cells later.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from nbclient.exceptions import CellExecutionError

from offline_irsa.harness import Harness, execute

NOTEBOOK = Path(__file__).resolve().parents[1] / "2mass-sia-v1.md"
SEARCH_CELL = "answer = get_from_irsa(query_url"
IMAGE_CELL = "download = get_from_irsa(image_url"
CUTOUT_CELL = "small = get_from_irsa(cutout_url"


def run_until_it_fails(seconds: float = 60) -> tuple[CellExecutionError, float]:
    start = time.perf_counter()
    with pytest.raises(CellExecutionError) as failed:
        execute(NOTEBOOK, timeout=int(seconds))
    return failed.value, time.perf_counter() - start


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
    error, seconds = run_until_it_fails()
    text = str(error)
    assert message in text, text[-1500:]
    assert cell in text  # the traceback is of the cell that met the failure, not of a later one
    assert "fault injected by offline_irsa" in text or kind in ("html", "truncate")
    assert seconds < 30


def test_the_service_refusing_a_query_shows_the_services_own_message(faults):
    """IRSA's 400 message (here: SIA refusing a query) reaches the reader."""
    faults.inject("sia", "status", 400)
    error, _ = run_until_it_fails()
    assert "IRSA's SIA service answered 400 BAD REQUEST" in str(error)


def test_irsa_unreachable_ends_fast_and_says_so():
    """The stand-in stops: the next request is refused, as when IRSA is down."""
    with Harness() as own:
        own.server.faults.inject("sia", "stop")
        error, seconds = run_until_it_fails()
    text = str(error)
    assert "IRSA's SIA service did not answer (ConnectionError)" in text, text[-1500:]
    assert SEARCH_CELL in text and seconds < 30
