"""Say which IRSA service and which notebook cell failed in a live run, from pytest's JUnit XML.

``python -m offline_irsa.harness.live_report results.xml`` prints a Markdown summary (for a CI
job summary): one line per failed cell, naming the service its error points at.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlsplit

from offline_irsa.harness.routing import is_local
from offline_irsa.https import IRSA_HOST

# IRSA's services by the path of the URL a failure names. Read from the URL, never from other words of
# an error: a service's error text can mention another service (the stand-in's 404 lists all it serves).
SERVICE_PATHS = [  # (path prefix, service): a prefix matches whole path segments; the longest wins
    ("/ibe/sia/", "IRSA SIA v1 search"),
    ("/ibe/data/", "IRSA IBE image data"),  # with center= and size=: IRSA IBE cutouts
    ("/ibe/search/", "IRSA IBE search"),
    ("/SIA", "IRSA SIA v2 search"),
    ("/cgi-bin/2MASS/IM/", "IRSA's older 2MASS SIA"),
    ("/TAP", "IRSA TAP"),
    ("/irsaviewer", "Firefly (IRSA viewer)"),
    ("/firefly", "Firefly"),
]
CUTOUTS = "IRSA IBE cutouts"
# The tutorials' own messages name the service in words where no URL is at hand (a table that is not one).
TUTORIAL_PHRASES = [
    ("irsa's sia service", "IRSA SIA v1 search"),
    ("irsa's cutout service", CUTOUTS),
    ("irsa's image service", "IRSA IBE image data"),
]
URL = re.compile(r"""https?://[^\s'"<>()\[\]{}\\]+""", re.I)
NONE = "no IRSA service named (notebook or library)"


def service_of_url(url: str) -> str | None:
    """The IRSA service a URL asks, by its path; None for a URL that is not IRSA's (or the stand-in's)."""
    parts = urlsplit(url.rstrip(".,;:"))
    host = (parts.hostname or "").lower()
    if host != IRSA_HOST and not is_local(host):
        return None
    path = parts.path or "/"
    found = [(prefix, name) for prefix, name in SERVICE_PATHS
             if path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")]
    if not found:
        return f"IRSA (other: {path})" if host == IRSA_HOST else None
    name = max(found, key=lambda item: len(item[0]))[1]
    query = parse_qs(parts.query.lower())
    return CUTOUTS if name == "IRSA IBE image data" and "center" in query else name


def service_of(text: str) -> str:
    """The IRSA service a failure points at: that of the last IRSA URL in its text (the error's own line
    comes last), else the service a tutorial's own message names, else none."""
    for url in reversed(URL.findall(text)):
        if (name := service_of_url(url)) is not None:
            return name
    lowered = text.lower()
    return next((name for phrase, name in TUTORIAL_PHRASES if phrase in lowered), NONE)


def failures(junit_xml: str) -> list[tuple[str, str, str]]:
    """(notebook, cell, service) for every failed or errored test case."""
    found = []
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        for problem in list(case.findall("failure")) + list(case.findall("error")):
            text = (problem.get("message") or "") + "\n" + (problem.text or "")
            found.append((case.get("classname", ""), case.get("name", ""), service_of(text)))
    return found


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    found = failures(argv[0])
    if not found:
        print("All notebooks ran against the live IRSA.")
        return 0
    print("### Live run failures\n\n| notebook | cell | service |\n| --- | --- | --- |")
    for notebook, cell, service in found:
        print(f"| {notebook} | {cell} | {service} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
