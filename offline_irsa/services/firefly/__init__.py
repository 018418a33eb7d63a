"""A Firefly stand-in: the command service firefly_client speaks, and a viewer that draws what it was sent.

``protocol`` records actions and uploads (bounded); ``state`` replays a channel's actions into
plots; ``ranges`` reads Firefly's stretch strings; ``render`` turns pixels into PNGs with
astropy.visualization; ``overlays`` places region layers; ``viewer`` serves the page, the
loader script JupyterLab's Firefly extension loads, and what the page draws; ``picture``
draws the same view as one PNG for the documentation site.
"""

from offline_irsa.services.firefly.protocol import (
    FIREFLY_VERSION,
    MAX_UPLOAD_BYTES,
    FireflyRecorder,
    Received,
    command,
    record_endpoint,
)
from offline_irsa.services.firefly.viewer import page as viewer_page
from offline_irsa.services.firefly.viewer import respond as viewer_respond

__all__ = ["FIREFLY_VERSION", "MAX_UPLOAD_BYTES", "FireflyRecorder", "Received", "command", "record_endpoint",
           "viewer_page", "viewer_respond"]
