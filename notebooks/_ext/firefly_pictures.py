"""The site's picture of what Firefly showed, after each cell that drives Firefly.

A static page cannot run Firefly, so after each Firefly cell the page shows what the viewer
showed once that cell's actions arrived: the offline stand-in's viewer replays the record and
draws it (``offline_irsa.services.firefly.picture``), with alt text and a caption that says who
drew it. Actions are given to cells in order, one per Firefly call in a cell's source (the
calls firefly_client makes one action for); the last Firefly cell gets any that remain, so a
call in a loop still ends up drawn.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from docutils import nodes

from offline_irsa.services.firefly import picture

CALLS = re.compile(r"\.(show_fits_image|show_fits_3color|show_fits|set_stretch|set_zoom|set_pan|overlay_region_layer|"
                   r"add_region_data|remove_region_data|delete_region_layer|show_data|add_mask|remove_mask)\(")
NOT_DRAWN = {"StartLabWindow", "StartBrowserTab"}
FOLDER = "_static/firefly"


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
    return f"What Firefly showed after the cell above: {title}, {who}."


def figure_html(src: str, shown: picture.Picture, live: bool) -> str:
    return (f'<figure class="firefly-picture"><img src="{html.escape(src)}" alt="{html.escape(shown.alt)}" '
            f'width="{picture.VIEW[0]}" height="{picture.VIEW[1]}" style="max-width: 100%; height: auto">'
            f"<figcaption>{html.escape(caption(live, shown.title))}</figcaption></figure>")


def add_pictures(app, docname: str, doctree, actions: list[dict]) -> None:
    """Insert a picture after each Firefly cell; say so when the viewer was never reached."""
    cells = [c for c in doctree.findall(nodes.container) if "cell" in c["classes"]]
    sources = ["".join(n.astext() for n in c.findall(nodes.literal_block))[:5000] for c in cells]
    shown_actions = drawable(actions)
    live = app.tutorial_harness is None
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
