"""The site's picture of what Firefly showed, after each cell that drives Firefly.

A static page cannot run Firefly, so after each Firefly cell the page shows what the viewer
showed once that cell's actions arrived: the offline stand-in's viewer replays the record and
draws it (``offline_irsa.services.firefly.picture``), with alt text and a caption that says who
drew it. Actions are given to cells in order, one per Firefly call in a cell's source (the
calls firefly_client makes one action for); the last Firefly cell gets any that remain, so a
call in a loop still ends up drawn.

Offline, the stand-in records what each notebook sent. A live build talks to IRSA's Firefly,
so ``setup`` gives its kernels a startup file that writes what ``FireflyClient.dispatch``
sends to the notebook's record as well (a fresh record each time a notebook executes).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import tempfile
from pathlib import Path

from docutils import nodes

from offline_irsa.services.firefly import picture

CALLS = re.compile(r"\.(show_fits_image|show_fits_3color|show_fits|set_stretch|set_zoom|set_pan|overlay_region_layer|"
                   r"add_region_data|remove_region_data|delete_region_layer|show_data|add_mask|remove_mask)\(")
NOT_DRAWN = {"StartLabWindow", "StartBrowserTab"}
FOLDER = "_static/firefly"
RECORD_ENV = "OFFLINE_IRSA_FIREFLY_RECORD"
# Kernel startup for live builds: also write what firefly_client dispatches to $OFFLINE_IRSA_FIREFLY_RECORD.
LIVE_STARTUP = f"""
import json as _json, os as _os
_record = _os.environ.get({RECORD_ENV!r})
try:
    from firefly_client import FireflyClient as _FC
except ImportError:
    _record = None
if _record:
    with open(_record, "w") as _f:
        _f.write("[]")
    _dispatch = _FC.dispatch

    def _recorded_dispatch(self, action_type, payload, override_channel=None):
        answer = _dispatch(self, action_type, payload, override_channel)
        with open(_record) as f:
            sent = _json.load(f)
        sent.append({{"type": action_type, "payload": payload}})
        with open(_record, "w") as f:
            _json.dump(sent, f, default=str)
        return answer

    _FC.dispatch = _recorded_dispatch
"""


def drawable(actions: list[dict]) -> list[dict]:
    """The actions a picture replays: not the ones that open a tab."""
    return [a for a in actions if a.get("type") not in NOT_DRAWN and a.get("kind", "action") == "action"]


def cell_ends(sources: list[str], total: int) -> list[int | None]:
    """For each cell, how many actions had been sent when it ended (None: not a Firefly cell)."""
    counts = [len(CALLS.findall(source)) for source in sources]
    firefly = [i for i, n in enumerate(counts) if n]
    ends, sent = [], 0
    for i, n in enumerate(counts):
        sent += n
        ends.append(None if not n else (total if i == firefly[-1] else min(sent, total)))
    return ends


def caption(live: bool, title: str) -> str:
    who = ("rendered from the real image by this suite's renderer (offline_irsa's viewer), not by Firefly itself"
           if live else "rendered by the offline stand-in (offline_irsa) from synthetic data")
    return f"What the cell above sent Firefly to show: {title}, {who}."


def figure_html(src: str, shown: picture.Picture, live: bool) -> str:
    return (f'<figure class="firefly-picture"><img src="{html.escape(src)}" alt="{html.escape(shown.alt)}" '
            f'width="{picture.VIEW[0]}" height="{picture.VIEW[1]}" style="max-width: 100%; height: auto">'
            f"<figcaption>{html.escape(caption(live, shown.title))}</figcaption></figure>")


def add_pictures(app, docname: str, doctree, actions: list[dict]) -> None:
    """Insert a picture after each Firefly cell; say so when the viewer was never reached."""
    cells = [c for c in doctree.findall(nodes.container) if "cell" in c["classes"]]
    sources = ["".join(n.astext() for n in c.findall(nodes.literal_block))[:5000] for c in cells]
    shown_actions = drawable(actions)
    live = app.tutorial_harness is None or app.tutorial_harness.server is None
    for index, (cell, end) in enumerate(zip(cells, cell_ends(sources, len(shown_actions)), strict=True)):
        if end is None:
            continue
        done = shown_actions[:end]
        shown = picture.for_live(done) if live else picture.for_stand_in(done, app.tutorial_harness.server)
        if shown is None:
            node = nodes.paragraph(text="Firefly showed no image for the cell above when this page was built.",
                                   classes=["firefly-picture-missing"])
        else:
            name = f"{docname.replace('/', '__')}-{index}.png"
            target = Path(app.outdir) / FOLDER / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(shown.png)
            src = "../" * docname.count("/") + f"{FOLDER}/{name}"
            node = nodes.raw("", figure_html(src, shown, live), format="html")
        cell.parent.insert(cell.parent.index(cell) + 1, node)


def _record_live_kernels(app, config) -> None:
    if not config.tutorial_live:
        return
    app.firefly_saved_env = {RECORD_ENV: os.environ.get(RECORD_ENV)}
    if os.environ.get("IPYTHONDIR"):  # the harness's (it gives kernels working folders): add to its startup
        app.firefly_ipython, app.firefly_own_ipython = os.environ["IPYTHONDIR"], False
    else:
        app.firefly_ipython, app.firefly_own_ipython = tempfile.mkdtemp(prefix="irsa-site-ipython-"), True
        app.firefly_saved_env["IPYTHONDIR"] = None
        os.environ["IPYTHONDIR"] = app.firefly_ipython
    startup = Path(app.firefly_ipython) / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "02-record-firefly.py").write_text(LIVE_STARTUP)


def _record_for(app, docname: str, source) -> None:
    if getattr(app, "firefly_ipython", None):
        from tutorial_site import firefly_record_path, notebook_docs

        if docname in notebook_docs(app):
            path = firefly_record_path(app, docname)
            path.parent.mkdir(parents=True, exist_ok=True)
            os.environ[RECORD_ENV] = str(path)  # the kernel that executes this notebook writes here


def _stop_recording(app, exception) -> None:
    if getattr(app, "firefly_ipython", None):
        for key, value in app.firefly_saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if app.firefly_own_ipython:
            shutil.rmtree(app.firefly_ipython, ignore_errors=True)
        app.firefly_ipython = None


def setup(app) -> None:
    """Live builds: record what each notebook's kernel sends to Firefly, for its pictures."""
    app.connect("config-inited", _record_live_kernels)
    app.connect("source-read", _record_for)
    app.connect("build-finished", _stop_recording)
