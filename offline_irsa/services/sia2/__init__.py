"""SIA v2 at ``/SIA``: the protocol (``service``), IRSA's ObsCore columns (``obscore``), POS
regions (``pos``) and the collections it searches (``registry``). Each survey's folder holds its
collection (``surveys/twomass/collection.py``, ``surveys/allwise/collection.py``), and
``offline_irsa.surveys`` registers them."""

from offline_irsa.services.sia2.service import PATH, availability, capabilities, respond

__all__ = ["PATH", "availability", "capabilities", "respond"]
