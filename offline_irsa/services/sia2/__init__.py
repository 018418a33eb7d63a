"""SIA v2 at ``/SIA``: the protocol (``service``), IRSA's ObsCore columns (``obscore``), POS
regions (``pos``) and the collections it searches (``registry``; ``twomass`` registers
``twomass_allsky``). A new image set is a new module that registers a ``Collection``."""

from offline_irsa.services.sia2 import twomass  # noqa: F401  (registers twomass_allsky)
from offline_irsa.services.sia2.service import PATH, availability, capabilities, respond

__all__ = ["PATH", "availability", "capabilities", "respond"]
