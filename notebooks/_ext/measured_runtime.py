"""A notebook's runtime as the build that produced its page measured it, never as written by hand.

A notebook marks the paragraph that states its runtime with the HTML comment
``<!-- tutorial-site: measured runtime ... -->`` on the line before it. JupyterLab shows the
paragraph as written (which should say that the site gives the figure); the site puts in its
place what myst-nb measured: seconds from starting the kernel to the end of the last cell,
when, offline or live, and on what machine. A notebook reused from the execution cache was
measured by an earlier build: the machine that build ran on is kept beside the cache, keyed by
the measured runtime, because jupyter-cache keeps only the seconds and the time.
"""

from __future__ import annotations

import json
import os
import platform
from datetime import datetime, timezone
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

MARKER = "tutorial-site: measured runtime"
logger = logging.getLogger(__name__)


def this_machine() -> dict:
    return {"system": platform.system(), "cores": os.cpu_count(), "python": platform.python_version()}


def record_path(app, docname: str) -> Path:
    return Path(app.config.nb_execution_cache_path) / "measured" / f"{docname.replace('/', '__')}.json"


def measurement(app, docname: str) -> dict | None:
    """What myst-nb measured for this notebook, with where: this build, or the one it reuses."""
    from myst_nb.sphinx_ import NbMetadataCollector

    data = NbMetadataCollector.get_exec_data(app.env, docname) or {}
    if data.get("runtime") is None or not data.get("succeeded"):
        return None
    measured = {"runtime": data["runtime"], "mtime": data["mtime"], "live": app.config.tutorial_live,
                "this_build": data["mtime"] >= app.tutorial_build_started}
    record = record_path(app, docname)
    if measured["this_build"]:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps({"runtime": data["runtime"], **this_machine()}))
        return measured | this_machine()
    kept = json.loads(record.read_text()) if record.exists() else {}
    return measured | (kept if kept.get("runtime") == data["runtime"] else {})


def describe(measured: dict) -> str:
    """The measurement as a sentence a reader can check against the build report."""
    at = datetime.fromtimestamp(measured["mtime"], timezone.utc)
    when = f"{at.day} {at:%B %Y, %H:%M} UTC"
    where = "live, against IRSA's services" if measured["live"] else "offline, against offline_irsa's synthetic images"
    build = ("when this page was built" if measured["this_build"]
             else "by an earlier build, whose outputs this page reuses")
    machine = (f"on {measured['system']} with {measured['cores']} CPU cores and Python {measured['python']}"
               if "cores" in measured else "on a machine that build did not record")
    return (f"{measured['runtime']:.1f} s, from starting the kernel to the end of the last cell, "
            f"measured {build} ({when}), {where}, {machine}.")


def runtime_paragraph(measured: dict) -> nodes.paragraph:
    paragraph = nodes.paragraph(classes=["measured-runtime"])
    paragraph += nodes.strong(text="Runtime:")
    paragraph += nodes.Text(" " + describe(measured))
    return paragraph


def markers(doctree) -> list[nodes.Node]:
    return [n for n in doctree.findall(nodes.raw) if MARKER in n.astext() and n.astext().lstrip().startswith("<!--")]


def fill_runtime(app, docname: str, doctree) -> None:
    """Put the measured runtime in place of the paragraph after the marker; warn if it cannot."""
    found = markers(doctree)
    if not found:
        logger.warning(f"no runtime marker: put '<!-- {MARKER} -->' before the Runtime paragraph of "
                       "'About this notebook', so the site states the runtime its build measured", location=docname)
        return
    measured = measurement(app, docname)
    for marker in found:
        following = marker.parent.index(marker) + 1
        written = marker.parent[following] if following < len(marker.parent) else None
        if not isinstance(written, nodes.paragraph):
            logger.warning("the runtime marker must stand right before a paragraph", location=marker)
            continue
        if measured is None:
            logger.warning("no measured runtime: the notebook was not executed in this build or its cache",
                           location=marker)
            continue
        written.replace_self(runtime_paragraph(measured))
        marker.parent.remove(marker)
