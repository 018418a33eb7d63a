"""Live mode: the same notebooks against the real IRSA, skipped with a reason when it is out of reach."""

from __future__ import annotations

import os
import urllib.request

from offline_irsa.harness.routing import IRSA_HOST

LIVE_ENV_VAR = "OFFLINE_IRSA_LIVE"
LIVE_PROBE = "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky?FORMAT=METADATA"
LIVE_PROBE_ENV_VAR = "OFFLINE_IRSA_LIVE_PROBE"  # another URL to try, e.g. in tests


def live_requested() -> bool:
    return os.environ.get(LIVE_ENV_VAR, "").lower() in ("1", "true", "yes")


def live_unreachable_reason(timeout: float = 15) -> str | None:
    """None if IRSA's SIA v1 service answers, else why not (for a skip message)."""
    probe = os.environ.get(LIVE_PROBE_ENV_VAR, LIVE_PROBE)
    try:
        with urllib.request.urlopen(probe, timeout=timeout) as response:
            response.read(200)
        return None
    except OSError as err:
        return f"live mode: IRSA ({IRSA_HOST}) is unreachable from this machine: {err}"
