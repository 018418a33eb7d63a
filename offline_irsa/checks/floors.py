"""The oldest versions this suite supports, read from its own package metadata.

``python -m offline_irsa.checks.floors --extras test`` prints ``name==floor`` for every
dependency (and the extras asked for). tox's ``oldestdeps`` factor installs them, so the
floors are written once, in pyproject.toml, and tested as written.
"""

from __future__ import annotations

import argparse
import re
from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement

DISTRIBUTION = "offline-irsa"


def floors(extras: set[str], distribution: str = DISTRIBUTION, seen: set[str] | None = None) -> dict[str, str]:
    """{package: minimum version} for the distribution's requirements under the given extras."""
    seen = seen if seen is not None else set()
    out: dict[str, str] = {}
    for text in requires(distribution) or []:
        req = Requirement(text)
        if req.marker and not any(req.marker.evaluate({"extra": e}) for e in extras | {""}):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name == distribution:  # an extra that pulls in other extras
            if not req.extras <= seen:
                seen |= req.extras
                out |= floors(req.extras, distribution, seen)
            continue
        lows = [s.version for s in req.specifier if s.operator in (">=", "==", "~=")]
        if lows:
            out[name] = lows[0]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--extras", default="", help="comma-separated extras, e.g. test")
    parser.add_argument("--output", help="write to this file instead of printing")
    args = parser.parse_args(argv)
    extras = {e for e in args.extras.split(",") if e}
    text = "".join(f"{name}=={version}\n" for name, version in sorted(floors(extras).items()))
    if args.output:
        Path(args.output).write_text(text)
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
