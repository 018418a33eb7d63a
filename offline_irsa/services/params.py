"""Query parameters as IRSA documents them: one number syntax, one value per parameter.

Both SIA v1 and IBE cutouts read numbers with the same rule: ASCII decimal digits, an
optional sign, point and exponent (``1e-05`` is what pyvo writes for a small SIZE), and
nothing else: no underscores, no other scripts' digits, no ``nan`` or ``inf``, no spaces.
Every rule here is a regular expression without nested repetition over a text whose length
is capped first, so reading a parameter takes time linear in its length.
Choices where IRSA documents nothing: a parameter given twice (in any mix of upper and
lower case) is refused rather than one value being picked silently; a value longer than
``MAX_VALUE_LENGTH`` characters is refused.
"""

from __future__ import annotations

import math
import re

from werkzeug.datastructures import MultiDict

NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
MAX_VALUE_LENGTH = 200


class ParameterError(ValueError):
    """A parameter the service refuses; the message says which and why."""


def single_values(args: MultiDict, case: str = "upper") -> dict[str, str]:
    """{name: value} with names in one case; refuses a name given twice."""
    values: dict[str, str] = {}
    for name, value in args.items(multi=True):
        key = name.upper() if case == "upper" else name.lower()
        if key in values:
            raise ParameterError(f"{key} is given more than once; give it once")
        if len(value) > MAX_VALUE_LENGTH:
            raise ParameterError(f"{key} is longer than {MAX_VALUE_LENGTH} characters")
        values[key] = value
    return values


def number(text: str, name: str) -> float:
    """One finite decimal number; ParameterError naming ``name`` otherwise."""
    if not NUMBER.fullmatch(text):
        raise ParameterError(f"{name} must be a decimal number, got {text!r}")
    value = float(text)
    if not math.isfinite(value):
        raise ParameterError(f"{name} is out of range: {text!r}")
    return value


def numbers(text: str, name: str, counts: tuple[int, ...]) -> list[float]:
    """Comma-separated numbers, as many as one of ``counts``."""
    parts = text.split(",")
    if len(parts) not in counts:
        raise ParameterError(f"{name} must be {' or '.join(map(str, counts))} comma-separated numbers, got {text!r}")
    return [number(part, name) for part in parts]
