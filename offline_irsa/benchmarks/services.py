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
    full, cut = rows[4], rows[6]
    print(f"1' cutout vs full image: {cut[3] / full[3]:.4f} of the bytes, {cut[1] / full[1]:.2f} of the time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
