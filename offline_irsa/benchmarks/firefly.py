"""How long the Firefly stand-in takes to draw an atlas image, beside reading the same FITS file with astropy.

Run: ``python -m offline_irsa.benchmarks.firefly [--repeat N]``. One 512×1024 2MASS-like
atlas image (and its J and Ks siblings for the 3-colour view), the H image the first tutorial
finds, is fetched from an in-process stand-in and written to a scratch folder as served
(gzipped FITS). The floor is astropy reading that file (``fits.getdata``, gunzip included);
the rows are the viewer's stretch
with Firefly's default and with zscale/log, the 3-colour view, PNG writing, and the whole
``render.png`` request a page makes after a new stretch arrives.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import requests
from astropy.io import fits
from astropy.table import Table
from firefly_client import FireflyClient

from offline_irsa.harness.routing import rewrite
from offline_irsa.server import OfflineIRSA
from offline_irsa.services.firefly import render
from offline_irsa.services.firefly.ranges import DEFAULT, RangeValues

TARGET = "314.30417,77.595559"  # the first tutorial's star
ZSCALE_LOG = RangeValues.parse("91,1,91,1,NaN,2,45,25,600,120")


def best_and_median(work, n: int) -> tuple[float, float]:
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        work()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), min(runs)


def image_urls(server: OfflineIRSA) -> dict[str, str]:
    """The J, H and Ks images of the full-size (512×1024) H image nearest the target, as the stand-in names them."""
    answer = requests.get(server.sia, params={"POS": TARGET, "SIZE": 0, "RESPONSEFORMAT": "CSV"}, timeout=60)
    answer.raise_for_status()
    images = Table.read(answer.text.splitlines(), format="ascii.csv")
    full = images[(images["sia_bp_id"] == "H") & (images["sia_naxis"] == "512 1024")]
    if not len(full):
        raise RuntimeError(f"the stand-in found no full-size H image at {TARGET}")
    h = str(full["sia_url"][0])  # nearest image centre first
    return {band: h.replace("/image/hi", f"/image/{band}i") for band in "jhk"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per figure (default 7)")
    args = parser.parse_args(argv)
    with OfflineIRSA() as server, tempfile.TemporaryDirectory(prefix="offline-irsa-bench-") as scratch:
        urls, paths = image_urls(server), {}
        for band, url in urls.items():
            answer = requests.get(rewrite(url, server.base), timeout=120)
            answer.raise_for_status()
            paths[band] = Path(scratch) / f"{band}.fits.gz"
            paths[band].write_bytes(answer.content)
        images = {b: render.read_fits(p.read_bytes(), p.name) for b, p in paths.items()}
        h = images["h"].data
        shape = h.shape
        gray = render.gray_rgba(h, DEFAULT)
        colour = [(images[b].data, DEFAULT) for b in "jhk"]
        fc = FireflyClient(server.firefly, "bench")
        fc.show_fits_image(file_input=urls["h"], plot_id="h")
        stretches = iter(range(10**6))

        def page_request():
            # a new stretch each time, so neither the PNG cache nor the browser's can answer
            top = 90 + next(stretches) * 0.001
            fc.set_stretch("h", stype="percent", algorithm="linear", lower_value=1, upper_value=top)
            requests.get(f"{server.firefly}/_offline/render.png", params={"channel": "bench", "plot": "h"},
                         timeout=120).raise_for_status()

        rows = [
            ("astropy reads the FITS file (floor)", best_and_median(lambda: fits.getdata(paths["h"]), args.repeat)),
            ("stretch, Firefly's default", best_and_median(lambda: render.gray_rgba(h, DEFAULT), args.repeat)),
            ("stretch, zscale + log", best_and_median(lambda: render.gray_rgba(h, ZSCALE_LOG), args.repeat)),
            ("PNG of the grey image", best_and_median(lambda: render.png_bytes(gray), args.repeat)),
            ("grey image: stretch + PNG", best_and_median(lambda: render.png_bytes(render.gray_rgba(h, DEFAULT)),
                                                          args.repeat)),
            ("3-colour J/H/Ks: stretch + PNG", best_and_median(
                lambda: render.png_bytes(render.color_rgba(colour, shape)), args.repeat)),
            ("render.png request after a stretch", best_and_median(page_request, args.repeat)),
        ]
    floor = rows[0][1][0]
    print(f"Firefly stand-in, one {shape[1]}×{shape[0]} atlas image; median and best of {args.repeat}, in process")
    print(f"{'work':40} {'median s':>10} {'best s':>10} {'x read':>8}")
    for name, (median, best) in rows:
        print(f"{name:40} {median:10.4f} {best:10.4f} {median / floor:8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
