"""What in a page or a cell's output gives away the machine that ran it: paths, the user, temp folders.

A reader's copy of a tutorial should not show the builder's temp folder (an astropy cache in
/tmp), home directory, user name, checkout or Python environment: they mean nothing to the
reader and differ on every machine.
"""

from __future__ import annotations

import getpass
import json
import re
import sys
import tempfile
from pathlib import Path

from .browser import ROOT


def machine_patterns(outputs: bool) -> dict[str, str]:
    """{what it gives away: regex} for text that names the machine that ran the notebook.

    ``outputs``: the text is a cell's output, where the user name alone counts too. (Not for whole
    pages, whose CSS says ``:root``; nor when the user is root, a word outputs may use.)
    """
    user = re.escape(getpass.getuser())
    patterns = {
        "a temp folder": r"(?<![\w.])(?:/private)?/(?:tmp|var/tmp|var/folders)/|\\(?:AppData\\Local\\)?Temp\\",
        "a home directory": r"(?<![\w.])/(?:home|Users)/[\w.-]+|\b[A-Za-z]:\\Users\\|(?<![\w.])/root/",
        "installed packages": r"[/\\](?:site|dist)-packages[/\\]",
        "the user name": rf"[/\\]{user}(?:[/\\]|\b)|\b{user}@",
    }
    places = {"the repository's path": ROOT, "the home directory": Path.home(), "the temp folder":
              Path(tempfile.gettempdir()), "the Python environment": Path(sys.prefix)}
    for what, place in places.items():
        spellings = {str(place), str(place.resolve())} - {"/", ""}
        patterns[what] = "|".join(rf"{re.escape(s)}(?![\w.-])" for s in sorted(spellings))
    if outputs and getpass.getuser() != "root":
        patterns["the user name"] += rf"|\b{user}\b"
    return patterns


def machine_paths(text: str, outputs: bool = True) -> list[str]:
    """Each place in ``text`` that gives away the machine, as 'what: the text around it'."""
    found = {}
    for what, pattern in machine_patterns(outputs).items():
        for match in re.finditer(pattern, text):
            around = text[max(0, match.start() - 40):match.end() + 60].replace("\n", " ")
            found.setdefault(match.start(), f"{what}: ...{around}...")
    return [found[start] for start in sorted(found)]


def output_text(output: dict) -> str:
    """Everything a notebook output shows as text (images' base64 data left out)."""
    parts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    for mime, value in output.get("data", {}).items():
        if not mime.startswith("image/") or mime == "image/svg+xml":
            parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


