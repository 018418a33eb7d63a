"""Routing rewrites IRSA's URLs, and only IRSA's."""

from __future__ import annotations

import pytest

from offline_irsa.harness.routing import rewrite

BASE = "http://127.0.0.1:9999"


@pytest.mark.parametrize("url, expected", [
    ("https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky?POS=1,2&SIZE=0.1",
     BASE + "/ibe/sia/twomass/allsky/allsky?POS=1,2&SIZE=0.1"),
    ("http://irsa.ipac.caltech.edu/irsaviewer/healthz", BASE + "/irsaviewer/healthz"),
    ("https://IRSA.ipac.caltech.edu/x", BASE + "/x"),
    ("https://irsa.ipac.caltech.edu", BASE + "/"),
    ("https://irsa.ipac.caltech.edu.example.org/x", "https://irsa.ipac.caltech.edu.example.org/x"),
    ("https://example.org/irsa.ipac.caltech.edu/x", "https://example.org/irsa.ipac.caltech.edu/x"),
    ("ftp://irsa.ipac.caltech.edu/x", "ftp://irsa.ipac.caltech.edu/x"),
    ("file:///tmp/x.fits", "file:///tmp/x.fits"),
])
def test_rewrite(url, expected):
    assert rewrite(url, BASE) == expected
