"""What the site takes from each notebook's source, checked without building it.

* Colours a colour-blind reader can tell apart: colour maps from a short list of perceptually
  ordered ones, and markers that stand out from every colour of the image under them, as
  people with each kind of colour blindness see them.
* The gallery's front matter (services, data sets, order) survives a save from JupyterLab.
* The suite is a path: each tutorial's front matter gives its place, the first tutorial comes
  first, and each later one says in its introduction which tutorial comes before it.
* The check for machine paths in outputs finds what it should, and only that.
"""

from __future__ import annotations

import ast
import copy
import itertools
import re
import sys
import tempfile

import jupytext
import matplotlib
import numpy as np
import pytest
from jupytext.config import find_jupytext_configuration_file, load_jupytext_configuration_file

from offline_irsa.harness import find_notebooks, read_notebook

from .browser import ROOT
from .machine_paths import machine_paths

NOTEBOOKS = find_notebooks([ROOT / "notebooks"])

# Sequential maps whose lightness rises steadily, so order survives any colour vision, and greys.
# Rainbow-like maps (jet, rainbow, hsv, nipy_spectral, ...) put red next to green: refused.
READABLE_CMAPS = {"viridis", "cividis", "magma", "inferno", "plasma", "gray", "grey", "Greys", "binary",
                  "gist_gray", "gist_yarg"}
COLOUR_KEYWORDS = {"color", "c", "mec", "mfc", "markeredgecolor", "markerfacecolor", "edgecolor", "facecolor",
                   "colors"}
# Machado, Oliveira & Fernandes (2009), doi:10.1109/TVCG.2009.113, severity 1.0, on linear RGB.
CVD = {
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
# CIELAB distance a marker keeps from every colour of the map under it (about 2.3 is just noticeable).
MARKER_DISTANCE = 25.0


def code_trees(path) -> list[ast.Module]:
    """Each code cell as Python syntax (IPython magics and shell lines left out)."""
    trees = []
    for cell in read_notebook(path).cells:
        if cell.cell_type == "code":
            source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!")))
            trees.append(ast.parse(source))
    return trees


def colour_choices(tree: ast.Module) -> tuple[set[str], set[str], bool]:
    """(colour maps named, marker and line colours named, whether an image is drawn) in one cell."""
    cmaps, colours, image = set(), set(), False
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            image |= name in {"imshow", "pcolormesh", "pcolor", "contourf"}
            on_its_own_box = name in {"text", "annotate"} and any(k.arg == "bbox" for k in node.keywords)
            for keyword in node.keywords:
                if on_its_own_box:
                    break  # text on a box of its own colour is read against the box, not the image
                if isinstance(keyword.value, ast.Constant) and isinstance(keyword.value.value, str):
                    if keyword.arg == "cmap":
                        cmaps.add(keyword.value.value)
                    elif keyword.arg in COLOUR_KEYWORDS:
                        colours.add(keyword.value.value)
            if name in {"get_cmap", "set_cmap"} and node.args and isinstance(node.args[0], ast.Constant):
                cmaps.add(str(node.args[0].value))
            if name == "plot":  # a format string such as "r+" names a colour by letter
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        colours |= set(re.findall(r"[rgbcmykw]", re.sub(r"[^a-z]", "", arg.value))[:1])
        elif isinstance(node, ast.Subscript) and getattr(node.value, "attr", getattr(node.value, "id", "")) \
                == "colormaps" and isinstance(node.slice, ast.Constant):
            cmaps.add(str(node.slice.value))
        elif isinstance(node, ast.Attribute) and getattr(node.value, "attr", getattr(node.value, "id", "")) == "cm" \
                and node.attr in matplotlib.colormaps:  # plt.cm.viridis, not plt.cm.ScalarMappable
            cmaps.add(node.attr)
    return cmaps, colours, image


def lab(rgb: np.ndarray, deficiency: str) -> np.ndarray:
    """CIELAB (D65) of sRGB colours (N x 3, 0-1) as seen with the given colour vision."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(linear @ CVD[deficiency].T, 0, 1)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def marker_distance(colour: str, cmap: str) -> dict[str, float]:
    """{colour vision: smallest CIELAB distance between the marker and any colour of the map}."""
    import matplotlib
    import matplotlib.colors

    marker = np.array([matplotlib.colors.to_rgb(colour)])
    shades = matplotlib.colormaps[cmap](np.linspace(0, 1, 256))[:, :3]
    return {vision: float(np.min(np.linalg.norm(lab(shades, vision) - lab(marker, vision), axis=1)))
            for vision in CVD}


def base_name(cmap: str) -> str:
    return cmap.removesuffix("_r")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_colour_maps_and_markers_are_readable_by_colour_blind_readers(path):
    problems = []
    for number, tree in enumerate(code_trees(path)):
        cmaps, colours, image = colour_choices(tree)
        problems += [f"cell {number}: colour map {c!r} is not among {sorted(READABLE_CMAPS)}"
                     for c in sorted(cmaps) if base_name(c) not in READABLE_CMAPS]
        under = cmaps or ({"viridis"} if image else set())  # matplotlib's default map
        for colour in sorted(colours):
            for cmap in sorted(c for c in under if base_name(c) in READABLE_CMAPS):
                for vision, distance in marker_distance(colour, cmap).items():
                    if distance < MARKER_DISTANCE:
                        problems.append(f"cell {number}: a {colour!r} marker on {cmap!r} is {distance:.0f} CIELAB "
                                        f"units from a colour of the map with {vision} (needs {MARKER_DISTANCE:.0f})")
    assert problems == [], f"{path.name}:\n" + "\n".join(problems)


def test_colour_check_refuses_rainbow_maps_and_markers_that_vanish():
    tree = ast.parse('ax.imshow(d, cmap="jet")\nax.plot(x, y, "w+")\nax.imshow(d, cmap="gray")')
    cmaps, colours, image = colour_choices(tree)
    assert cmaps == {"jet", "gray"} and colours == {"w"} and image
    assert min(marker_distance("w", "gray").values()) < 1  # white on a grey map: lost at the top
    assert min(marker_distance("tab:orange", "gray").values()) > MARKER_DISTANCE
    cyan = marker_distance("cyan", "gray")  # plain to most readers, grey to a protanope
    assert cyan["protanopia"] < MARKER_DISTANCE < cyan["normal vision"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_gallery_front_matter_survives_a_save_from_jupyterlab(path):
    """JupyterLab saves through jupytext, which keeps only the metadata jupytext.toml lets through."""
    config = load_jupytext_configuration_file(find_jupytext_configuration_file(str(path.parent)))
    nb = jupytext.read(path, fmt="md:myst")
    opened = copy.deepcopy(nb)
    opened.metadata["language_info"] = {"name": "python"}  # what a kernel adds when it runs
    saved = jupytext.reads(jupytext.writes(opened, fmt="md:myst", config=config), fmt="md:myst")
    for key in ("order", "short_description", "services", "datasets"):
        assert nb.metadata.get(key), f"{path.name} has no {key} in its front matter"
        assert saved.metadata.get(key) == nb.metadata[key], f"saving {path.name} from JupyterLab drops {key}"


def reading_path() -> list:
    """The notebooks in the order their front matter gives."""
    return sorted(NOTEBOOKS, key=lambda p: jupytext.read(p, fmt="md:myst").metadata.get("order", float("inf")))


def test_front_matter_gives_each_tutorial_its_own_place_the_first_tutorial_first():
    orders = {p.stem: jupytext.read(p, fmt="md:myst").metadata.get("order") for p in NOTEBOOKS}
    assert all(isinstance(n, int) and not isinstance(n, bool) for n in orders.values()), orders
    assert len(set(orders.values())) == len(orders), f"two tutorials share a place: {orders}"
    path = [p.stem for p in reading_path()]
    assert path[0] == "2mass-sia-v1", path
    assert path.index("sia-v1-or-v2") == 1, path


def introduction(path) -> str:
    text = path.read_text(encoding="utf-8")
    found = re.search(r"^## Introduction\n(.*?)^## ", text, re.M | re.S)
    assert found, f"{path.name} has no Introduction"
    return found.group(1)


def test_each_tutorial_says_which_one_comes_before_it():
    path = reading_path()
    for before, this in itertools.pairwise(path):
        link = re.search(rf"comes after[^.]*?\[[^\]]+\]\({re.escape(before.name)}\)", introduction(this))
        assert link, f"{this.name}'s introduction should say it comes after [...]({before.name})"
    assert "first tutorial of the suite" in introduction(path[0])


def test_machine_path_check_finds_paths_users_and_temp_folders_only():
    found = {
        "Filename: /tmp/offline-irsa-x1/astropy-cache/download/url/ab/contents": True,
        "C:\\Users\\ada\\AppData\\Local\\Temp\\cache": True,
        "/home/ada/irsa/notebooks": True,
        str(ROOT / "notebooks" / "2mass-sia-v1.md"): True,
        f"{sys.prefix}/lib/python3/site-packages/astropy/io/fits/file.py:10: Warning": True,
        f"{tempfile.gettempdir()}/x": True,
        "https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky/990404n/s006/image/hi0060260.fits.gz": False,
        "Filename: (No file associated with this HDUList)": False,
        "2MASS All-Sky Data Release H-Band Atlas Image: 990404n s006": False,
    }
    assert {text: bool(machine_paths(text)) for text in found} == found


def test_colour_check_reads_text_on_its_own_box_and_classes_of_cm_as_such():
    boxed = ast.parse('ax.imshow(rgb)\nax.text(0, 0, "key", color="white", bbox={"facecolor": "black"})')
    assert colour_choices(boxed) == (set(), set(), True)
    unboxed = ast.parse('ax.imshow(rgb)\nax.text(0, 0, "key", color="white")')
    assert colour_choices(unboxed)[1] == {"white"}
    bar = ast.parse('fig.colorbar(plt.cm.ScalarMappable(norm=n, cmap="gray"))\nplt.cm.magma')
    assert colour_choices(bar)[0] == {"gray", "magma"}
