"""How fast the offline TAP answers, each request beside an SIA v1 search at the same position.

Run: ``python -m offline_irsa.benchmarks.tap [--repeat N] [--cones N]``. The server runs as a
subprocess (as in a workshop), the client is ``requests`` sending the very forms astroquery
sends (``POST /TAP/sync``, REQUEST=doQuery, LANG=ADQL), everything on loopback. Then the
stand-in's resident memory is read before and after ``--cones`` 1' cone searches at random
positions on the sky (each one makes its own catalogue rows).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import psutil
import requests

from offline_irsa.server import OfflineIRSA

TARGET = (314.30417, 77.595559)
CONE = "SELECT * FROM fp_psc WHERE CONTAINS(POINT('ICRS',ra,dec),CIRCLE('ICRS',{ra},{dec},{radius}))=1"
LIST_COLLECTIONS = "SELECT DISTINCT collection from caom.observation ORDER by collection"
LIST_SIA_COLLECTIONS = ("SELECT DISTINCT o.collection FROM caom.observation o JOIN caom.plane p ON o.obsid = p.obsid "
                        "WHERE (p.dataproducttype = 'image' OR p.dataproducttype = 'cube') order by collection")


def tap_form(query: str) -> dict[str, str]:
    return {"REQUEST": "doQuery", "LANG": "ADQL", "QUERY": query}


def timed(session: requests.Session, method: str, url: str, **kwargs) -> tuple[float, int]:
    start = time.perf_counter()
    response = session.request(method, url, timeout=120, **kwargs)
    response.raise_for_status()
    if b'value="ERROR"' in response.content:
        raise RuntimeError(f"the stand-in refused the request: {response.text[:300]}")
    return time.perf_counter() - start, len(response.content)


def repeat(session, n, method, url, **kwargs) -> tuple[float, float, int]:
    runs = [timed(session, method, url, **kwargs) for _ in range(n)]
    seconds = [r[0] for r in runs]
    return statistics.median(seconds), min(seconds), runs[-1][1]


def random_positions(n: int, seed: int = 3) -> list[tuple[float, float]]:
    rng = np.random.default_rng(seed)
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    return list(zip(ra.tolist(), dec.tolist(), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20, help="requests per figure (default 20)")
    parser.add_argument("--cones", type=int, default=100, help="cone searches at random positions (default 100)")
    args = parser.parse_args(argv)
    server = OfflineIRSA.spawn()
    try:
        process = psutil.Process(server.process.pid)
        session = requests.Session()
        sync = f"{server.tap}/sync"
        sia = {"POS": f"{TARGET[0]},{TARGET[1]}", "SIZE": f"{2 / 60:.6f}"}  # the 1' cone's diameter
        cone = CONE.format(ra=TARGET[0], dec=TARGET[1], radius=1 / 60)
        timed(session, "GET", server.sia, params=sia)  # first requests import and build what they need
        timed(session, "POST", sync, data=tap_form(cone))
        rows = [
            ("HTTP floor (/healthz)",) + repeat(session, args.repeat, "GET", f"{server.firefly}/healthz"),
            ("SIA v1 search, same position",) + repeat(session, args.repeat, "GET", server.sia, params=sia),
            ("TAP 1' cone on fp_psc",) + repeat(session, args.repeat, "POST", sync, data=tap_form(cone)),
            ("TAP list_collections",) + repeat(session, args.repeat, "POST", sync,
                                               data=tap_form(LIST_COLLECTIONS)),
            ("TAP list_collections(SIA)",) + repeat(session, args.repeat, "POST", sync,
                                                    data=tap_form(LIST_SIA_COLLECTIONS)),
        ]
        before = process.memory_info().rss
        cone_seconds = []
        for ra, dec in random_positions(args.cones):
            cone_seconds.append(timed(session, "POST", sync, data=tap_form(CONE.format(ra=ra, dec=dec,
                                                                                         radius=1 / 60)))[0])
        after = process.memory_info().rss
    finally:
        server.stop()

    sia_median = rows[1][1]
    print(f"offline IRSA TAP; median and best of {args.repeat}, loopback, server in a subprocess, "
          f"at ({TARGET[0]}, {TARGET[1]})")
    print(f"{'request':32} {'median s':>10} {'best s':>10} {'x SIA':>8} {'bytes':>10}")
    for name, median, best, size in rows:
        print(f"{name:32} {median:10.4f} {best:10.4f} {median / sia_median:8.2f} {size:10d}")
    print(f"{args.cones} 1' cones at random positions: median {statistics.median(cone_seconds):.4f} s, "
          f"slowest {max(cone_seconds):.4f} s")
    print(f"{'rss before cones MB':32} {before / 2**20:10.1f}")
    print(f"{'rss after cones MB':32} {after / 2**20:10.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
