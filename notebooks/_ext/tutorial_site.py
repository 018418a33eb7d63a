"""What the tutorial site adds to myst-nb: the offline IRSA, a gallery, banners, Firefly.

* The offline IRSA starts with the build (unless OFFLINE_IRSA_LIVE=1), so notebooks
  execute against it as they do in the tests; each notebook gets its own Firefly channel.
* ``{tutorial-gallery}`` draws one card per notebook from the notebook's own front
  matter (title, ``short_description``) and a thumbnail of its own last figure: the
  notebooks are the one list of tutorials.
* Each tutorial page gets a link to download its source, and, offline, a banner saying
  its outputs came from synthetic data.
* Firefly cells cannot show a live viewer on a static page: each is followed by a picture
  of what the viewer showed for it (``firefly_pictures``).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import time
from pathlib import Path

import firefly_pictures
from docutils import nodes
from docutils.parsers.rst import Directive

from offline_irsa.harness import Harness, find_notebooks, live_requested

THUMBNAILS = "_static/thumbnails"


def notebook_docs(app) -> dict[str, Path]:
    """{docname: path} of every notebook, found once when the build starts."""
    return app.tutorial_notebooks


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    description = re.search(r"^short_description:\s*(.+)$", text, re.M)
    title = re.search(r"^# (.+)$", text, re.M)
    return {"title": title.group(1).strip() if title else path.stem,
            "description": description.group(1).strip() if description else ""}


class TutorialGallery(Directive):
    """One card per notebook: thumbnail, title, one-line description."""

    def run(self):
        app = self.state.document.settings.env.app
        cards = []
        for docname, path in sorted(notebook_docs(app).items()):
            meta = {key: html.escape(value) for key, value in front_matter(path).items()}
            thumbnail = f"{THUMBNAILS}/{html.escape(Path(docname).name)}.png"
            cards.append(
                f'<a class="tutorial-card" href="{html.escape(docname)}.html">'
                f'<img src="{thumbnail}" alt="Figure from {meta["title"]}">'
                f'<span class="tutorial-card-title">{meta["title"]}</span>'
                f'<span class="tutorial-card-text">{meta["description"]}</span></a>'
            )
        return [nodes.raw("", '<div class="tutorial-gallery">' + "".join(cards) + "</div>", format="html")]


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
    if app.tutorial_harness is not None:
        # A channel of its own, so we know what this notebook's kernel asked Firefly to show.
        os.environ["fireflyChannelLab"] = f"site-{docname}"


def firefly_record_path(app, docname: str) -> Path:
    return Path(app.config.nb_execution_cache_path) / "firefly" / f"{docname.replace('/', '__')}.json"


def sent_to_firefly(app, docname: str) -> list[dict]:
    """What the notebook's kernel sent; kept beside the execution cache for cached notebooks."""
    record = firefly_record_path(app, docname)
    if app.tutorial_harness is not None:
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
    # Thumbnail: the last figure the notebook drew.
    figures = [n["uri"] for n in doctree.findall(nodes.image) if n["uri"].endswith(".png")]
    if figures:
        app.env.tutorial_thumbnails = getattr(app.env, "tutorial_thumbnails", {})
        app.env.tutorial_thumbnails[docname] = figures[-1]


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
        target = Path(app.outdir) / THUMBNAILS
        target.mkdir(parents=True, exist_ok=True)
        for docname, uri in getattr(app.env, "tutorial_thumbnails", {}).items():
            source = Path(app.srcdir) / Path(docname).parent / uri
            if not source.exists():
                source = Path(app.outdir) / "_images" / Path(uri).name
            shutil.copyfile(source, target / f"{Path(docname).name}.png")
    if app.tutorial_harness is not None:
        app.tutorial_harness.stop()
        app.tutorial_harness = None


def on_config_inited(app, config):
    app.tutorial_build_started = time.time()
    src = Path(app.srcdir)
    app.tutorial_notebooks = {str(p.relative_to(src).with_suffix("")): p for p in find_notebooks([src])}
    app.tutorial_harness = None if config.tutorial_live else Harness().start()


def setup(app):
    app.add_config_value("tutorial_live", live_requested(), "env")
    app.add_directive("tutorial-gallery", TutorialGallery)
    app.add_css_file("tutorials.css")
    app.connect("config-inited", on_config_inited)
    app.connect("source-read", on_source_read)
    app.connect("doctree-read", on_doctree_read)
    app.connect("build-finished", on_build_finished)
    firefly_pictures.setup(app)
    return {"version": "1.0", "parallel_read_safe": False, "parallel_write_safe": True, "env_version": 1}
