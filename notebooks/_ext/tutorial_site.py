"""What the tutorial site adds to myst-nb: the offline IRSA, a gallery, banners, Firefly.

* The offline IRSA starts with the build (unless OFFLINE_IRSA_LIVE=1), so notebooks
  execute against it as they do in the tests; each notebook gets its own Firefly channel.
* ``{tutorial-gallery}`` draws one card per notebook from the notebook's own front
  matter and its last figure (``tutorial_gallery``): the notebooks are the one list of tutorials.
* Each tutorial page gets a link to download its source, and, offline, a banner saying
  its outputs came from synthetic data.
* Firefly cells cannot show a live viewer on a static page: each is followed by a picture
  of what the viewer showed for it (``firefly_pictures``).
* "About this notebook" states the runtime this build measured (``measured_runtime``), and
  every figure on a tutorial page must have alt text that says what it shows.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import firefly_pictures
import measured_runtime
import tutorial_gallery
from docutils import nodes
from sphinx.util import logging

from offline_irsa.harness import Harness, find_notebooks, live_requested

logger = logging.getLogger(__name__)


def notebook_docs(app) -> dict[str, Path]:
    """{docname: path} of every notebook, found once when the build starts."""
    return app.tutorial_notebooks


def banner(docname: str, path: Path, live: bool) -> str:
    parts = [
        "```{note}\n"
        f"{{download}}`Download this notebook <{path.name}>` (MyST markdown). With jupytext installed, "
        "JupyterLab opens it as a notebook: right-click it and choose *Open With → Notebook*.\n```\n"
    ]
    if not live:
        parts.append(
            "```{warning}\n"
            "**Synthetic data.** The outputs on this page were computed against `offline_irsa`, this suite's local "
            "stand-in for IRSA, which serves synthetic images shaped like 2MASS atlas images. Run the notebook "
            "yourself to see IRSA's real data.\n```\n"
        )
    return "\n".join(parts)


def on_source_read(app, docname, source):
    path = notebook_docs(app).get(docname)
    if path is None:
        return
    text = source[0]
    title = re.search(r"^# .+$", text, re.M)
    if title:
        end = title.end()
        source[0] = text[:end] + "\n\n" + banner(docname, path, app.config.tutorial_live) + text[end:]
    if app.tutorial_harness.server is not None:
        # A channel of its own, so we know what this notebook's kernel asked Firefly to show.
        os.environ["fireflyChannelLab"] = f"site-{docname}"


def firefly_record_path(app, docname: str) -> Path:
    return Path(app.config.nb_execution_cache_path) / "firefly" / f"{docname.replace('/', '__')}.json"


def sent_to_firefly(app, docname: str) -> list[dict]:
    """What the notebook's kernel sent; kept beside the execution cache for cached notebooks."""
    record = firefly_record_path(app, docname)
    if app.tutorial_harness.server is not None:
        actions = [{"type": a.type, "payload": a.payload}
                   for a in app.tutorial_harness.server.received.actions(f"site-{docname}")]
        if actions:
            record.parent.mkdir(parents=True, exist_ok=True)
            record.write_text(json.dumps(actions))
            return actions
    return json.loads(record.read_text()) if record.exists() else []


def on_doctree_read(app, doctree):
    docname = app.env.docname
    if docname not in notebook_docs(app):
        return
    firefly_pictures.add_pictures(app, docname, doctree, sent_to_firefly(app, docname))
    tutorial_gallery.note_thumbnail(app, docname, doctree)
    measured_runtime.fill_runtime(app, docname, doctree)
    check_alt_text(doctree)


def check_alt_text(doctree) -> None:
    """Warn about every figure without alt text, or with its file name as alt text, as screen readers read it."""
    for image in doctree.findall(nodes.image):
        alt = image.get("alt", "").strip()
        if not alt or Path(alt).name == Path(image["uri"]).name:
            logger.warning(f"a figure has no alt text ({Path(image['uri']).name}): say what it shows, e.g. in its "
                           "cell's metadata as mystnb: image: alt: ...", location=image)


def report_execution(app) -> None:
    """One line per notebook: how long it ran when executed, and whether this build reused the cache."""
    from myst_nb.sphinx_ import NbMetadataCollector

    for docname in sorted(notebook_docs(app)):
        data = NbMetadataCollector.get_exec_data(app.env, docname) or {}
        runtime = data.get("runtime")
        took = f"{runtime:.1f} s" if runtime is not None else "?"
        fresh = data.get("mtime", 0) >= app.tutorial_build_started
        print(f"notebook execution: {docname}: {took} "
              f"({'executed in this build' if fresh else 'reused from the cache'}, "
              f"{'ok' if data.get('succeeded') else 'FAILED'})")


def on_build_finished(app, exception):
    if exception is None:
        report_execution(app)
    if exception is None and app.builder.format == "html":
        tutorial_gallery.copy_thumbnails(app)
    if app.tutorial_harness is not None:
        app.tutorial_harness.stop()
        app.tutorial_harness = None


def on_config_inited(app, config):
    app.tutorial_build_started = time.time()
    src = Path(app.srcdir)
    app.tutorial_notebooks = {str(p.relative_to(src).with_suffix("")): p for p in find_notebooks([src])}
    # Live too: the harness gives each kernel a working folder of its own (and, offline, the stand-in).
    app.tutorial_harness = Harness(live=config.tutorial_live).start()


def setup(app):
    app.add_config_value("tutorial_live", live_requested(), "env")
    tutorial_gallery.setup(app)
    app.add_css_file("tutorials.css")
    app.connect("config-inited", on_config_inited)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("build-finished", on_build_finished)
    firefly_pictures.setup(app)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True, "env_version": 3}
