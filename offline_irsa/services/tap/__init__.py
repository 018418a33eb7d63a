"""IRSA's TAP service, offline: ADQL read by sqlglot and run on SQLite, over synthetic tables.

``protocol`` is the HTTP side (sync, UWS async, VOSI), ``adql`` turns ADQL into SQLite,
``geometry`` does ADQL's spherical shapes and predicates, ``tables`` describes the tables,
``catalog`` makes ``fp_psc`` rows from the stars the images draw, ``collections`` says what
``caom`` lists, and ``output`` writes the answers.
"""

from offline_irsa.services.tap.protocol import TAPService

__all__ = ["TAPService"]
