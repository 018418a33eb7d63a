"""AllWISE beside 2MASS: what serving a second, larger survey on demand costs.

Run: ``python -m offline_irsa.benchmarks.allwise [--repeat N]``. The server runs as a subprocess,
the client is ``requests``, on loopback. One run prints, side by side (the aims of issue 17):

* a 1' AllWISE W3 cutout vs a 1' 2MASS H cutout at the tutorial's target, first request (each
  computes its pixels) and warm (aim: at most 2x);
* the whole W3 intensity file (67 MB) on its first request vs the time numpy takes to draw
  4095 x 4095 float32 normal deviates in this process (aim: at most 3x);
* the server's peak memory (RSS) while streaming that file, above the idle server's (aim: at most
  twice the file's size);
* an AllWISE SIA v1 search vs a 2MASS one, 1' box (aim: at most 2x).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from pathlib import Path

import numpy as np
import requests

from offline_irsa.harness.routing import rewrite
from offline_irsa.server import OfflineIRSA

TARGET = (314.30417, 77.595559)
W3 = ("https://irsa.ipac.caltech.edu/ibe/data/wise/allwise/p3am_cdd/31/3150/3150p772_ac51/"
      "3150p772_ac51-{band}-int-3.fits")


def timed(session: requests.Session, url: str, params: dict | None = None) -> tuple[float, int]:
    start = time.perf_counter()
    response = session.get(url, params=params, timeout=300)
    response.raise_for_status()
    return time.perf_counter() - start, len(response.content)


def timed_stream(session: requests.Session, url: str) -> tuple[float, int]:
    """A whole file read as a client saving it would, in 1 MB pieces (requests' default is 10 kB)."""
    start = time.perf_counter()
    with session.get(url, stream=True, timeout=300) as response:
        response.raise_for_status()
        size = sum(len(piece) for piece in response.iter_content(1 << 20))
    return time.perf_counter() - start, size


def median_of(session, url, params, n) -> float:
    return statistics.median(timed(session, url, params)[0] for _ in range(n))


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} for process {pid}")


def normal_floor() -> float:
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    rng.standard_normal((4095, 4095), dtype=np.float32)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10, help="requests per warm figure (default 10)")
    args = parser.parse_args(argv)
    server = OfflineIRSA.spawn()
    pid = server.process.pid
    try:
        session = requests.Session()
        pos = f"{TARGET[0]},{TARGET[1]}"
        box = {"POS": pos, "SIZE": "0.016667", "INTERSECT": "COVERS", "RESPONSEFORMAT": "CSV"}
        lines = session.get(server.sia, params=box, timeout=60).text.splitlines()
        twomass = rewrite(next(line.split(",")[1] for line in lines[1:] if "H-Band" in line), server.base)
        allwise_sia = server.sia_of("AllWISE Atlas")
        cut = {"center": pos, "size": "1arcmin"}
        w3, w2 = rewrite(W3.format(band="w3"), server.base), rewrite(W3.format(band="w2"), server.base)

        twomass_cold = timed(session, twomass, cut)[0]
        allwise_cold = timed(session, w2, cut)[0]
        twomass_warm = median_of(session, twomass, cut, args.repeat)
        allwise_warm = median_of(session, w3, cut, args.repeat)
        twomass_sia = median_of(session, server.sia, box, args.repeat)
        allwise_sia_s = median_of(session, allwise_sia, box, args.repeat)

        idle = rss_bytes(pid)
        peak = [idle]
        done = threading.Event()

        def watch() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], rss_bytes(pid))
                time.sleep(0.005)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        whole, size = timed_stream(session, w3)  # first request of the whole file: nothing of it is kept
        done.set()
        watcher.join()
        floor = min(normal_floor() for _ in range(3))
    finally:
        server.stop()

    mb = 1e6
    print("AllWISE beside 2MASS: one run, loopback, server in a subprocess; warm figures are medians of "
          f"{args.repeat}")
    print(f"{'figure':44} {'AllWISE':>12} {'2MASS/floor':>12} {'ratio':>7} {'aim':>6}")
    rows = [
        ("1' cutout, first request (s)", allwise_cold, twomass_cold, 2.0),
        ("1' cutout, warm (s)", allwise_warm, twomass_warm, 2.0),
        ("whole W3 file vs numpy 4095^2 normals (s)", whole, floor, 3.0),
        ("SIA v1 search, 1' box (s)", allwise_sia_s, twomass_sia, 2.0),
    ]
    for name, mine, other, aim in rows:
        print(f"{name:44} {mine:12.4f} {other:12.4f} {mine / other:7.2f} {aim:6.1f}")
    above = peak[0] - idle
    print(f"{'peak RSS above idle while streaming (MB)':44} {above / mb:12.1f} {size / mb:12.1f} "
          f"{above / size:7.2f} {2.0:6.1f}")
    print(f"idle server RSS {idle / mb:.1f} MB, peak {peak[0] / mb:.1f} MB; W3 file {size} bytes in {whole:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
