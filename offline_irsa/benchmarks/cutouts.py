"""The cutouts tutorial's workflow for many targets, three ways, against the offline IRSA.

Run: ``python -m offline_irsa.benchmarks.cutouts [--targets 50] [--repeat 3] [--latency 0,0.1]``.
For each target, every way makes the tutorial's SIA search (the H-band image nearest the
target among those covering 1 arcmin around it) and writes a 1' FITS cutout; they differ in
how the pixels arrive:

* **whole images**: download each whole image, one target after another, and cut it with
  astropy's ``Cutout2D``;
* **server cutouts, one at a time**: ask IBE for the cutout, one target after another;
* **server cutouts, 8 at a time**: the same, in a thread pool of the tutorial's size.

Choices, so that the figures describe the workflow rather than the stand-in: the server runs
in its own process and keeps every image it renders, and a warm-up pass renders them all
before anything is timed, so that every way finds the files ready, as it would at IRSA.
On loopback, with two cores, the stand-in's own CPU time (mostly SIA searches) bounds what
running requests side by side can gain; over a network, requests mostly wait. So each run is
made twice by default: on plain loopback (latency 0), and with 0.1 s added to every answer
(``--latency``, a fault of kind ``delay``), a crude model of a network round trip and of an
archive's own time to answer, not a measurement of IRSA. Each way runs ``--repeat`` times,
in rotating order; the median is printed.
"""

from __future__ import annotations

import argparse
import gzip
import io
import math
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import astropy.units as u
import numpy as np
import requests
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.nddata import Cutout2D
from astropy.table import Table
from astropy.wcs import WCS

from offline_irsa.harness.routing import rewrite
from offline_irsa.server import SpawnedIRSA, announced_base

SIA = "https://irsa.ipac.caltech.edu/ibe/sia/twomass/allsky/allsky"
SIZE = 1 * u.arcmin
AT_ONCE = 8  # the tutorial's max_at_once
TIMEOUT = 60  # seconds, for every request
AIM_BYTES = 1 / 50  # server cutouts move at most this fraction of the whole images' bytes
AIM_SPEEDUP = 4.0  # the concurrent run is at least this much faster than whole images one at a time


def targets(n: int) -> list[SkyCoord]:
    """n positions spread evenly over the sky (a Fibonacci lattice), the same on every run."""
    k = np.arange(n) + 0.5
    dec = np.degrees(np.arcsin(1 - 2 * k / n))
    ra = (k * 180 * (3 - math.sqrt(5))) % 360
    return list(SkyCoord(ra, dec, unit="deg"))


def serve(latency: float) -> None:
    """Serve the stand-in in this process, keeping every rendered image (``--serve``, used by ``spawn``)."""
    from offline_irsa.server import OfflineIRSA
    from offline_irsa.surveys.twomass import files as ibe

    # IRSA's files are on disk; the stand-in renders them and keeps a few dozen. Keep them all here,
    # so that a whole-image download costs what sending a file costs. The module's functions are
    # looked up at call time, so rebinding them is enough.
    ibe.image = lru_cache(maxsize=None)(ibe.image.__wrapped__)
    ibe.image_file = lru_cache(maxsize=None)(ibe.image_file.__wrapped__)
    server = OfflineIRSA()
    if latency:
        server.faults.inject("*", "delay", latency)
    print(server.describe(), flush=True)
    server.serve_forever()


def spawn(latency: float, timeout: float = 60) -> SpawnedIRSA:
    """The benchmark's server in a subprocess, once it says where it listens."""
    proc = subprocess.Popen([sys.executable, "-m", __spec__.name, "--serve", "--latency", str(latency)],
                            stdout=subprocess.PIPE, text=True)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        base = announced_base(proc.stdout)
    finally:
        timer.cancel()
    if not base:
        proc.kill()
        raise RuntimeError(f"the benchmark's server exited with {proc.wait()} before it was ready")
    return SpawnedIRSA(base, proc)


def get(base: str, url: str) -> requests.Response:
    response = requests.get(rewrite(url, base), timeout=TIMEOUT)
    response.raise_for_status()
    return response


def nearest_image(base: str, position: SkyCoord) -> str | None:
    """The tutorial's search: URL of the H image nearest position among those covering the box."""
    answer = get(base, f"{SIA}?POS={position.ra.deg:.6f},{position.dec.deg:.6f}"
                       f"&SIZE={SIZE.to_value(u.deg):.6f}&INTERSECT=COVERS&RESPONSEFORMAT=CSV")
    images = Table.read(answer.text, format="ascii.csv")
    images = images[images["sia_bp_id"] == "H"] if len(images) else images
    if len(images) == 0:
        return None
    return str(images["sia_url"][np.argmin(position.separation(SkyCoord(images["sia_ra"], images["sia_dec"],
                                                                          unit="deg")))])


def open_fits(content: bytes) -> fits.PrimaryHDU:
    return fits.open(io.BytesIO(gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content))[0]


def whole_image(base: str, url: str, position: SkyCoord) -> tuple[fits.PrimaryHDU, int]:
    """Download the whole image and cut it here; the cutout and the bytes moved."""
    content = get(base, url).content
    hdu = open_fits(content)
    cut = Cutout2D(hdu.data, position, SIZE, wcs=WCS(hdu.header))
    return fits.PrimaryHDU(cut.data, cut.wcs.to_header()), len(content)


def server_cutout(base: str, url: str, position: SkyCoord) -> tuple[fits.PrimaryHDU, int]:
    """Let IBE cut it out; the cutout and the bytes moved."""
    content = get(base, f"{url}?center={position.ra.deg:.6f},{position.dec.deg:.6f}"
                        f"&size={SIZE.to_value(u.arcsec):g}arcsec").content
    return open_fits(content), len(content)


def one_target(fetch: Callable, base: str, index: int, position: SkyCoord, folder: Path) -> int:
    """Search, fetch and write one target's cutout; the bytes of pixels moved (0 without an image)."""
    url = nearest_image(base, position)
    if url is None:
        return 0
    hdu, moved = fetch(base, url, position)
    if hdu.data.shape != (60, 60):
        raise RuntimeError(f"target {index}: a {hdu.data.shape} cutout, not 60 x 60")
    hdu.writeto(folder / f"target{index:03d}.fits", overwrite=True)
    return moved


def run_way(fetch: Callable, at_once: int, base: str, positions: list[SkyCoord]) -> tuple[float, int]:
    """Wall time and bytes moved for every target, ``at_once`` targets at a time."""
    with tempfile.TemporaryDirectory(prefix="offline-irsa-bench-") as folder:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=at_once) as pool:
            moved = list(pool.map(lambda item: one_target(fetch, base, *item, Path(folder)), enumerate(positions)))
        return time.perf_counter() - start, sum(moved)


WAYS = {
    "whole images, one at a time": (whole_image, 1),
    "server cutouts, one at a time": (server_cutout, 1),
    f"server cutouts, {AT_ONCE} at a time": (server_cutout, AT_ONCE),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--latency", default="0,0.1", help="seconds added to every answer, one run per value "
                                                             "(comma-separated; default 0,0.1)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    latencies = [float(value) for value in args.latency.split(",")]
    if args.serve:
        serve(latencies[0])
        return 0
    for latency in latencies:
        measure(args, latency)
    return 0


def measure(args, latency: float) -> None:
    """Run the three ways against a server that adds ``latency`` seconds to every answer; print the figures."""
    positions = targets(args.targets)
    server = spawn(latency)
    try:
        for fetch, _ in WAYS.values():  # warm-up: render every image the ways will ask for
            run_way(fetch, AT_ONCE, server.base, positions)
        found = sum(nearest_image(server.base, p) is not None for p in positions)
        seconds = {name: [] for name in WAYS}
        moved = {}
        for turn in range(args.repeat):
            names = list(WAYS)[turn % len(WAYS):] + list(WAYS)[:turn % len(WAYS)]
            for name in names:
                fetch, at_once = WAYS[name]
                elapsed, moved[name] = run_way(fetch, at_once, server.base, positions)
                seconds[name].append(elapsed)
    finally:
        server.stop()
    report(args, latency, found, {name: statistics.median(s) for name, s in seconds.items()}, moved)


def report(args, latency: float, found: int, seconds: dict[str, float], moved: dict[str, int]) -> None:
    whole, one, many = WAYS
    print(f"\ncutouts workflow: {args.targets} targets ({found} with an H image covering 1'), SIA search + 1' cutout "
          f"each; offline IRSA in a subprocess, images rendered beforehand, "
          f"{'plain loopback' if not latency else f'{latency} s added to every answer (a model of a network)'}; "
          f"median of {args.repeat} runs")
    print(f"{'way':34} {'wall s':>8} {'MB moved':>10} {'s/target':>9}")
    for name in WAYS:
        print(f"{name:34} {seconds[name]:8.2f} {moved[name] / 1e6:10.3f} {seconds[name] / args.targets:9.4f}")
    bytes_ratio = moved[many] / moved[whole]
    speedup = seconds[whole] / seconds[many]
    print(f"bytes, server cutouts / whole images: {bytes_ratio:.4f} (1/{1 / bytes_ratio:.0f}); "
          f"aim at most 1/{1 / AIM_BYTES:.0f}: {'met' if bytes_ratio <= AIM_BYTES else 'MISSED'}")
    print(f"time, whole images one at a time / server cutouts {AT_ONCE} at a time: {speedup:.1f}x; "
          f"aim at least {AIM_SPEEDUP:.0f}x: {'met' if speedup >= AIM_SPEEDUP else 'MISSED'}")
    print(f"time, server cutouts one at a time / {AT_ONCE} at a time: {seconds[one] / seconds[many]:.1f}x")


if __name__ == "__main__":
    raise SystemExit(main())
