"""The stand-in's memory and threads under a bounded load, beside werkzeug's own threaded server.

Run: ``python -m offline_irsa.benchmarks.load [--requests N]``. Each server runs as a
subprocess serving the same application; the baseline is werkzeug's ``make_server(threaded=
True)``, a thread per connection, which the stand-in used before. For each, in one run:
300 idle connections held open (threads counted), then 16 and then 64 concurrent clients
making searches, whole-image downloads and cutouts at random sky positions (then two more
rounds of 64, to see whether memory levels off). Memory is the
server's resident set (VmRSS, and its peak VmHWM) read from /proc (Linux).
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import requests

from offline_irsa.harness.routing import rewrite
from offline_irsa.server import announced_base

IDLE_CONNECTIONS = 300
LEVELS = (16, 64, 64, 64)  # concurrent clients per round: memory should level off, not keep growing


def serve_stock(port: int) -> None:
    """The baseline: the same application behind werkzeug's thread-per-connection server."""
    from werkzeug.serving import make_server

    from offline_irsa.server import Application, ServedURLs, _QuietHandler

    server = make_server("127.0.0.1", port, Application(), threaded=True, request_handler=_QuietHandler)
    print(ServedURLs(f"http://127.0.0.1:{server.server_port}").describe(), flush=True)
    server.serve_forever()


def status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (MB) and Threads of a process, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) // 1024
        elif key == "Threads":
            fields[key] = int(value)
    return fields


def client(base: str, n: int, seed: int) -> int:
    """n requests at random positions: a search, then an image or a cutout from its answer."""
    rng = np.random.default_rng(seed)
    session = requests.Session()
    done = 0
    for _ in range(n // 2):
        ra, dec = rng.uniform(0, 360), np.degrees(np.arcsin(rng.uniform(-1, 1)))
        rows = session.get(f"{base}/ibe/sia/twomass/allsky/allsky", timeout=120,
                           params={"POS": f"{ra},{dec}", "SIZE": "0", "RESPONSEFORMAT": "CSV"}).text.splitlines()
        url = rewrite(rows[1].split(",")[1], base)
        params = {"center": f"{ra},{dec}", "size": "2arcmin"} if rng.random() < 0.8 else None
        session.get(url, params=params, timeout=120).raise_for_status()
        done += 2
    return done


def measure(command: list[str], requests_per_level: int) -> dict[str, float]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        base = announced_base(process.stdout)
        if base is None:
            raise RuntimeError(f"{command} did not start")
        host, port = base.removeprefix("http://").split(":")
        client(base, 4, seed=0)  # warm up: imports, first render
        figures = {"rss start": status(process.pid)["VmRSS"]}
        idle = [socket.create_connection((host, int(port)), timeout=10) for _ in range(IDLE_CONNECTIONS)]
        time.sleep(1.0)
        figures["threads, 300 idle"] = status(process.pid)["Threads"]
        for connection in idle:
            connection.close()
        for level, clients in enumerate(LEVELS):
            start = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                share, seeds = requests_per_level // clients, range(level * 100, level * 100 + clients)
                total = sum(pool.map(client, [base] * clients, [share] * clients, seeds))
            seconds = time.perf_counter() - start
            name = f"round {level + 1}, {clients} clients"
            figures[f"{name}: requests/s"] = total / seconds
            figures[f"{name}: threads"] = status(process.pid)["Threads"]
            figures[f"{name}: rss after"] = status(process.pid)["VmRSS"]
        figures["rss peak"] = status(process.pid)["VmHWM"]
        return figures
    finally:
        process.terminate()
        process.wait(timeout=20)
        process.stdout.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1280, help="requests per load level (default 1280)")
    parser.add_argument("--serve-stock", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_stock is not None:
        serve_stock(args.serve_stock)
        return 0
    if not Path("/proc/self/status").exists():
        print("this benchmark reads /proc: Linux only")
        return 1
    runs = {
        "stand-in (pool of 32)": [sys.executable, "-m", "offline_irsa", "serve", "--port", "0"],
        "werkzeug threaded (baseline)": [sys.executable, "-m", "offline_irsa.benchmarks.load", "--serve-stock", "0"],
    }
    results = {name: measure(command, args.requests) for name, command in runs.items()}
    print(f"offline IRSA under load: {args.requests} requests per level (searches, images, cutouts), "
          f"{IDLE_CONNECTIONS} idle connections; MB and counts of the server process")
    names = list(results)
    print(f"{'':34}" + "".join(f"{n:>30}" for n in names))
    for key in results[names[0]]:
        print(f"{key:34}" + "".join(f"{results[n][key]:30.1f}" for n in names))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
