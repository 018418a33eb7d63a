"""The image sets the stand-in serves, one folder each, all registered in ``SURVEYS``.

A survey folder holds what is its own: its tiling of the sky and file names, its image headers
and its rendering (from the shared sky model in ``offline_irsa.sky``), the columns of its SIA v1
answer and its SIA v2 collection. The protocols (``offline_irsa.services``) are written once and
read every survey through ``Survey`` (``surveys/base.py``). A new image set is a new folder with a
``SURVEY`` and one line in the list below.
"""

from __future__ import annotations

from offline_irsa.surveys import allwise, twomass
from offline_irsa.surveys.base import Survey

SURVEYS: list[Survey] = [twomass.SURVEY, allwise.SURVEY]


def _register() -> None:
    from offline_irsa.services.sia2.registry import COLLECTIONS, register

    for survey in SURVEYS:
        if survey.collection is not None and survey.collection.name not in COLLECTIONS:
            register(survey.collection)


_register()
