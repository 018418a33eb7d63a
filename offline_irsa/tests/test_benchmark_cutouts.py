"""The cutouts benchmark runs end to end on a few targets, prints its figures and leaves no server behind."""

from __future__ import annotations

import re

from offline_irsa.benchmarks import cutouts


def test_targets_are_spread_over_the_sky_and_the_same_every_time():
    positions = cutouts.targets(50)
    assert len(positions) == 50 and positions[7].separation(cutouts.targets(50)[7]).arcsec == 0
    decs = sorted(p.dec.deg for p in positions)
    assert decs[0] < -75 and decs[-1] > 75 and abs(decs[25]) < 5  # pole to pole, as many north as south


def test_a_small_run_prints_the_three_ways_and_the_aims(capsys, monkeypatch):
    spawned = []

    def recording_spawn(latency):
        spawned.append(server := cutouts_spawn(latency))
        return server

    cutouts_spawn = cutouts.spawn
    monkeypatch.setattr(cutouts, "spawn", recording_spawn)
    assert cutouts.main(["--targets", "4", "--repeat", "1", "--latency", "0"]) == 0
    printed = capsys.readouterr().out
    for way in cutouts.WAYS:
        assert re.search(rf"^{re.escape(way)}\s+\d+\.\d+\s+\d+\.\d+\s+\d+\.\d+$", printed, re.M), way
    ratio = float(re.search(r"bytes, server cutouts / whole images: ([\d.]+)", printed)[1])
    assert 0 < ratio <= cutouts.AIM_BYTES
    assert re.search(r"aim at least 4x: (met|MISSED)", printed)
    assert len(spawned) == 1 and spawned[0].process.poll() is not None  # the server has stopped
