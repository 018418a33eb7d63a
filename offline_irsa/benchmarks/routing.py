"""What routing by connection costs: the first tutorial, and one request per client, beside a baseline.

Run: ``python -m offline_irsa.benchmarks.routing [--repeat N]``. Two figures, each in one run:

* the first tutorial offline, in fresh kernels, routed by connection (``harness.routing``: IRSA's
  host resolves to the stand-in, HTTPS with its throw-away certificate) and routed as the harness
  did before, by rewriting ``https://irsa.ipac.caltech.edu`` URLs to the stand-in's plain-HTTP URL
  inside urllib and requests (``rewrite_routing`` below, kept here as the baseline only), alternately;
* one SIA search with each HTTP client in a routed process, to IRSA's URL (routed, HTTPS) and to the
  stand-in's own loopback URL (plain HTTP, nothing routed): what routing adds per request.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from offline_irsa.harness import Harness, execute
from offline_irsa.harness import kernels as kernel_setup

TUTORIAL = Path(__file__).resolve().parents[2] / "notebooks" / "2mass-sia-v1.md"
SEARCH = "/ibe/sia/twomass/allsky/allsky?POS=314.30417,77.595559&SIZE=0.01&INTERSECT=COVERS&RESPONSEFORMAT=CSV"

# The harness's routing until this round, as the baseline: urllib and requests rewrite IRSA's URLs.
REWRITE_SITECUSTOMIZE = """import os, urllib.request
base = os.environ.get("OFFLINE_IRSA_REWRITE_BASE")
if base:
    from offline_irsa.harness.routing import rewrite
    from requests.adapters import HTTPAdapter
    _open, _send = urllib.request.OpenerDirector.open, HTTPAdapter.send

    def _rewritten_open(self, fullurl, *args, **kwargs):
        if isinstance(fullurl, str):
            fullurl = rewrite(fullurl, base)
        else:
            fullurl.full_url = rewrite(fullurl.full_url, base)
        return _open(self, fullurl, *args, **kwargs)

    def _rewritten_send(self, request, **kwargs):
        request.url = rewrite(request.url, base)
        return _send(self, request, **kwargs)

    urllib.request.OpenerDirector.open, HTTPAdapter.send = _rewritten_open, _rewritten_send
"""

CLIENTS = textwrap.dedent("""
    import asyncio, os, statistics, sys, time, urllib.request
    import aiohttp, httpx, requests
    from astropy.utils.data import download_file

    async def aio(url):
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as response:
                return await response.read()

    calls = {
        "urllib": lambda url: urllib.request.urlopen(url, timeout=60).read(),
        "requests": lambda url: requests.get(url, timeout=60).content,
        "httpx": lambda url: httpx.get(url, timeout=60).content,
        "aiohttp": lambda url: asyncio.run(aio(url)),
        # cache=False leaves a temporary file for the caller; astropy removes it only at a clean exit
        "astropy download_file": lambda url: os.remove(download_file(url, cache=False, timeout=60)),
    }
    irsa, local, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for name, call in calls.items():
        times = {}
        for label, url in (("routed", irsa), ("direct", local)):
            call(url)
            runs = []
            for _ in range(repeat):
                start = time.perf_counter()
                call(url)
                runs.append(time.perf_counter() - start)
            times[label] = statistics.median(runs)
        print(f"{name}|{times['routed']}|{times['direct']}")
""")


class RewriteHarness(Harness):
    """The harness with its kernels routed the old way: URL rewriting in urllib and requests only."""

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env["OFFLINE_IRSA_REWRITE_BASE"] = env.pop(kernel_setup.ENV_VAR)  # connection routing stays off
        return env

    def _write_routing_files(self) -> None:
        super()._write_routing_files()
        (self._tmp / "site" / "sitecustomize.py").write_text(REWRITE_SITECUSTOMIZE)


def timed_run(path: Path) -> float:
    start = time.perf_counter()
    execute(path)
    return time.perf_counter() - start


def tutorial_figures(repeat: int) -> tuple[list[float], list[float]]:
    """The tutorial's run times under each routing, alternating harnesses so machine noise hits both."""
    connection, rewriting = [], []
    for i in range(repeat + 1):
        for harness_class, times in ((Harness, connection), (RewriteHarness, rewriting)):
            with harness_class():
                seconds = timed_run(TUTORIAL)
            if i:  # the first round warms the disk cache
                times.append(seconds)
    return connection, rewriting


def client_figures(repeat: int) -> list[tuple[str, float, float]]:
    with Harness() as harness:
        answer = subprocess.run(
            [sys.executable, "-c", CLIENTS, "https://irsa.ipac.caltech.edu" + SEARCH, harness.server.base + SEARCH,
             str(repeat)], capture_output=True, text=True, timeout=600, env=os.environ.copy())
    if answer.returncode != 0:
        raise RuntimeError(f"the clients' run failed:\n{answer.stderr[-3000:]}")
    rows = [line.split("|") for line in answer.stdout.splitlines() if line.count("|") == 2]
    return [(name, float(routed), float(direct)) for name, routed, direct in rows]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    connection, rewriting = tutorial_figures(args.repeat)
    med_c, med_r = statistics.median(connection), statistics.median(rewriting)
    print(f"{TUTORIAL.name}, offline, fresh kernel each run, {args.repeat} runs each (alternating)")
    print(f"{'routing':40} {'median s':>9} {'best s':>9}")
    print(f"{'URL rewrite in urllib, requests (before)':40} {med_r:9.2f} {min(rewriting):9.2f}")
    print(f"{'by connection, HTTPS (now)':40} {med_c:9.2f} {min(connection):9.2f}")
    print(f"routing by connection adds {med_c - med_r:+.2f} s to the tutorial ({med_c / med_r:.2f} x)")
    print()
    print(f"one SIA search (CSV), median of {args.repeat}, in a routed process")
    print(f"{'client':24} {'routed ms':>10} {'direct ms':>10} {'added ms':>9}")
    for name, routed, direct in client_figures(args.repeat):
        print(f"{name:24} {routed * 1e3:10.1f} {direct * 1e3:10.1f} {(routed - direct) * 1e3:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
