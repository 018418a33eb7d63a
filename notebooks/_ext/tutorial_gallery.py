"""The landing page's gallery and the site's table of contents, drawn from the notebooks themselves.

A card shows the notebook's last figure (with that figure's own alt text), its title, its
``short_description`` and the services and data sets its front matter lists, so a reader
finds "the one with cutouts" at a glance. The gallery is filled in when pages are written,
after every notebook has been read, and is redrawn whenever a notebook changes.

The suite is a path: each notebook's front matter gives its place in it (``order``, a number;
gaps leave room for tutorials still to come). The cards and ``{tutorial-toctree}`` follow that
order, so the notebooks stay the one list of tutorials and the order lives beside each of them.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.directives.other import TocTree
from sphinx.util import logging

THUMBNAILS = "_static/thumbnails"
# Front-matter lists a card shows, with the label it gives them. Every notebook must have them.
FACTS = {"services": "Services", "datasets": "Data sets"}
logger = logging.getLogger(__name__)


class tutorial_gallery(nodes.General, nodes.Element):
    """Where the gallery goes; replaced by the cards once every notebook has been read."""


def front_matter(path: Path) -> dict:
    """The notebook's YAML front matter, plus its title (the first level-1 heading)."""
    text = path.read_text(encoding="utf-8")
    block = re.match(r"---\n(.*?)\n---\n", text, re.S)
    meta = (yaml.safe_load(block.group(1)) if block else None) or {}
    title = re.search(r"^# (.+)$", text, re.M)
    meta["title"] = title.group(1).strip() if title else path.stem
    return meta


def place(meta: dict) -> float:
    """Where the notebook comes on the reader's path; one with no ``order`` goes last (and is warned about)."""
    order = meta.get("order")
    return order if isinstance(order, (int, float)) and not isinstance(order, bool) else float("inf")


def reading_order(notebooks: dict[str, Path]) -> list[str]:
    """The notebooks' docnames in the order a reader should take them (by ``order``, then by name)."""
    return sorted(notebooks, key=lambda name: (place(front_matter(notebooks[name])), name))


def missing_facts(meta: dict) -> list[str]:
    """Front-matter keys a card needs that the notebook does not list (as non-empty lists)."""
    return [key for key in FACTS if not (isinstance(meta.get(key), list) and meta[key])]


class TutorialGallery(Directive):
    def run(self):
        env = self.state.document.settings.env
        env.tutorial_gallery_docs = getattr(env, "tutorial_gallery_docs", set()) | {env.docname}
        return [tutorial_gallery()]


class TutorialToctree(TocTree):
    """A toctree that lists the notebooks in reading order, then whatever its content names (e.g. ``*``).

    Sphinx's ``:glob:`` sorts by file name; the reading order comes from front matter instead.
    A glob after the notebooks adds the other pages (a glob skips documents already listed).
    """

    def run(self):
        env = self.state.document.settings.env
        # Redrawn, like the gallery, whenever a notebook changes (its order may have).
        env.tutorial_gallery_docs = getattr(env, "tutorial_gallery_docs", set()) | {env.docname}
        # "/" makes each name absolute, wherever the page with the toctree sits.
        names = ["/" + name for name in reading_order(env.tutorial_notebooks)]
        self.content = StringList(names + list(self.content))
        return super().run()


def card(docname: str, meta: dict, thumbnail: dict | None) -> str:
    """One card: the figure, the title as the card's one link, the description and the facts."""
    e = html.escape
    figure = ""
    if thumbnail:
        figure = (f'<img class="tutorial-card-figure" src="{THUMBNAILS}/{e(Path(docname).name)}.png" '
                  f'alt="{e(thumbnail["alt"])}">')
    facts = "".join(
        f'<div class="tutorial-card-fact tutorial-card-{key}"><dt>{label}</dt>'
        + "".join(f"<dd>{e(str(item))}</dd>" for item in meta.get(key) or [])
        + "</div>"
        for key, label in FACTS.items()
    )
    return (
        '<article class="tutorial-card">' + figure
        + f'<h2 class="tutorial-card-title"><a href="{e(docname)}.html">{e(meta["title"])}</a></h2>'
        + f'<p class="tutorial-card-text">{e(str(meta.get("short_description", "")))}</p>'
        + f'<dl class="tutorial-card-facts">{facts}</dl></article>'
    )


def fill_galleries(app, doctree, docname: str) -> None:
    """doctree-resolved: draw the cards in place of each gallery placeholder."""
    thumbnails = getattr(app.env, "tutorial_thumbnails", {})
    for placeholder in list(doctree.findall(tutorial_gallery)):
        cards = []
        for name in reading_order(app.tutorial_notebooks):
            path = app.tutorial_notebooks[name]
            meta = front_matter(path)
            if missing := missing_facts(meta):
                logger.warning(f"{path.name}: the gallery card needs {', '.join(missing)} in the front matter "
                               f"(lists, e.g. services: [SIA v1])", location=name)
            if place(meta) == float("inf"):
                logger.warning(f"{path.name}: the front matter needs order: a number giving the tutorial's place "
                               f"in the suite (the gallery and table of contents follow it)", location=name)
            cards.append(card(name, meta, thumbnails.get(name)))
        placeholder.replace_self(
            nodes.raw("", '<div class="tutorial-gallery">' + "".join(cards) + "</div>", format="html"))


def note_thumbnail(app, docname: str, doctree) -> None:
    """Remember the notebook's last figure, and its alt text, for its card."""
    figures = [n for n in doctree.findall(nodes.image) if n["uri"].endswith(".png")]
    thumbnails = app.env.tutorial_thumbnails = getattr(app.env, "tutorial_thumbnails", {})
    if figures:
        thumbnails[docname] = {"uri": figures[-1]["uri"], "alt": figures[-1].get("alt", "")}
    else:
        thumbnails.pop(docname, None)


def outdated_galleries(app, env, added, changed, removed) -> list[str]:
    """env-get-outdated: a page with a gallery is redrawn when any notebook changes."""
    if (added | changed | removed) & set(app.tutorial_notebooks) or removed:
        return sorted(getattr(env, "tutorial_gallery_docs", set()))
    return []


def purge(app, env, docname: str) -> None:
    getattr(env, "tutorial_gallery_docs", set()).discard(docname)
    getattr(env, "tutorial_thumbnails", {}).pop(docname, None)


def copy_thumbnails(app) -> None:
    """Copy each notebook's last figure to the thumbnails folder the cards point at."""
    target = Path(app.outdir) / THUMBNAILS
    target.mkdir(parents=True, exist_ok=True)
    for docname, figure in getattr(app.env, "tutorial_thumbnails", {}).items():
        source = Path(app.srcdir) / Path(docname).parent / figure["uri"]
        if not source.exists():
            source = Path(app.outdir) / "_images" / Path(figure["uri"]).name
        shutil.copyfile(source, target / f"{Path(docname).name}.png")


def share_notebooks(app) -> None:
    """builder-inited: the directives read the notebooks found at the start of this build from the environment."""
    app.env.tutorial_notebooks = app.tutorial_notebooks


def setup(app) -> None:
    app.connect("builder-inited", share_notebooks)
    app.add_node(tutorial_gallery)
    app.add_directive("tutorial-gallery", TutorialGallery)
    app.add_directive("tutorial-toctree", TutorialToctree)
    app.connect("doctree-resolved", fill_galleries)
    app.connect("env-get-outdated", outdated_galleries)
    app.connect("env-purge-doc", purge)
