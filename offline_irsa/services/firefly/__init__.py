"""The Firefly stand-in (a package, so its viewer's files can live beside its protocol)."""

from offline_irsa.services.firefly.protocol import (
    FIREFLY_VERSION,
    MAX_UPLOAD_BYTES,
    FireflyRecorder,
    Received,
    command,
    record_endpoint,
    viewer_page,
)

__all__ = ["FIREFLY_VERSION", "MAX_UPLOAD_BYTES", "FireflyRecorder", "Received", "command", "record_endpoint",
           "viewer_page"]
