"""How fast the offline IRSA answers the tutorial's requests, beside an HTTP floor.

Run: ``python -m offline_irsa.benchmarks.services [--repeat N]``. The server runs as a
subprocess (as in a workshop), the client is ``requests``, everything is on loopback.
The floor is the health check of the Firefly stand-in: the cost of one HTTP round trip
with no work behind it. Cold figures include rendering the synthetic image once.
"""

from __future__ import annotations

import argparse
import statistics
import time

import requests

from offline_irsa.harness.routing import rewrite
from offline_irsa.server import OfflineIRSA

TARGET = (314.30417, 77.595559)


def timed(session: requests.Session, url: str, params: dict | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    response = session.get(url, params=params, timeout=120)
    response.raise_for_status()
    return time.perf_counter() - start, len(response.content)


def repeat(session, url, params, n) -> tuple[float, float, int]:
    runs = [timed(session, url, params) for _ in range(n)]
    seconds = [r[0] for r in runs]
    return statistics.median(seconds), min(seconds), runs[-1][1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per warm figure (default 20)")
    args = parser.parse_args(argv)
    server = OfflineIRSA.spawn()
    try:
        session = requests.Session()
        pos = f"{TARGET[0]},{TARGET[1]}"
        search = {"POS": pos, "SIZE": "0.016667", "INTERSECT": "COVERS"}
        image_url = requests.get(server.sia, params=search | {"RESPONSEFORMAT": "CSV"}).text.splitlines()
        image_url = next(line.split(",")[1] for line in image_url[1:] if "H-Band" in line)
        local_image = rewrite(image_url, server.base)
        cutout = {"center": pos, "size": "1arcmin"}

        rows = []
        cold_full = timed(session, local_image)  # renders the image
        cold_cut_url = rewrite(image_url.replace("/hi", "/ji"), server.base)
        cold_cut = timed(session, cold_cut_url, cutout)  # renders another band's image, then cuts
        rows.append(("HTTP floor (/healthz)",) + repeat(session, f"{server.firefly}/healthz", None, args.repeat))
        rows.append(("SIA search, CSV",) + repeat(session, server.sia, search | {"RESPONSEFORMAT": "CSV"}, args.repeat))
        rows.append(("SIA search, VOTable",) + repeat(session, server.sia, search, args.repeat))
        # The same 1" search through each door, VOTable answers: SIA v1, SIA v2 (as pyvo's SIA2Service and
        # astroquery's Irsa.query_sia send it), and IRSA's older 2MASS SIA (as pyvo's SIAService sends it).
        arcsec = 1 / 3600
        v1 = {"POS": pos, "SIZE": repr(arcsec), "VERB": "2"}
        v2 = {"POS": f"CIRCLE {TARGET[0]} {TARGET[1]} {arcsec!r}", "COLLECTION": "twomass_allsky"}
        older = {"type": "at", "ds": "asky", "POS": pos, "SIZE": repr(arcsec), "VERB": "2"}
        rows.append(("SIA v1 search, 1\"",) + repeat(session, server.sia, v1, args.repeat))
        rows.append(("SIA v2 search, 1\"",) + repeat(session, server.sia2, v2, args.repeat))
        rows.append(("older 2MASS SIA search, 1\"",) + repeat(session, server.older_sia, older, args.repeat))
        rows.append(("full H image, cold (renders)", cold_full[0], cold_full[0], cold_full[1]))
        rows.append(("full H image, warm",) + repeat(session, local_image, None, args.repeat))
        rows.append(("1' cutout, cold (renders)", cold_cut[0], cold_cut[0], cold_cut[1]))
        rows.append(("1' cutout, gzipped",) + repeat(session, local_image, cutout, args.repeat))
        rows.append(("1' cutout, gzip=false",) + repeat(session, local_image, cutout | {"gzip": "false"}, args.repeat))
    finally:
        server.stop()

    floor = rows[0][1]
    print(f"offline IRSA, tutorial's requests; median and best of {args.repeat}, loopback, server in a subprocess")
    print(f"{'request':32} {'median s':>10} {'best s':>10} {'x floor':>8} {'bytes':>10}")
    for name, median, best, size in rows:
        print(f"{name:32} {median:10.4f} {best:10.4f} {median / floor:8.1f} {size:10d}")
    by_name = {row[0]: row for row in rows}
    full, cut = by_name["full H image, warm"], by_name["1' cutout, gzipped"]
    print(f"1' cutout vs full image: {cut[3] / full[3]:.4f} of the bytes, {cut[1] / full[1]:.2f} of the time")
    v1, v2 = by_name['SIA v1 search, 1"'], by_name['SIA v2 search, 1"']
    print(f"SIA v2 vs SIA v1 at the same position: {v2[1] / v1[1]:.2f}x the time (aim: at most 2x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
