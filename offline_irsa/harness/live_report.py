"""Say which IRSA service and which notebook cell failed in a live run, from pytest's JUnit XML.

``python -m offline_irsa.harness.live_report results.xml`` prints a Markdown summary (for a CI
job summary): one line per failed cell, naming the service its error points at.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET

# Most specific first: the text of an error names the URL or client that failed.
SERVICES = [
    ("irsa's sia service", "IRSA SIA v1 search"),  # how the tutorials' get_from_irsa names them
    ("irsa's cutout service", "IRSA IBE cutouts"),
    ("irsa's image service", "IRSA IBE image data"),
    ("/ibe/sia/", "IRSA SIA v1 search"),
    ("?center=", "IRSA IBE cutouts"),
    ("/ibe/data/", "IRSA IBE image data"),
    ("irsaviewer", "Firefly (IRSA viewer)"),
    ("firefly", "Firefly"),
    ("irsa.ipac.caltech.edu", "IRSA (other)"),
]


def service_of(text: str) -> str:
    lowered = text.lower()
    return next((name for key, name in SERVICES if key in lowered), "no IRSA service named (notebook or library)")


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
