"""Firefly's range-values string (a stretch) parsed, and turned into astropy's interval and stretch.

The string is what ``FireflyClient.set_stretch`` sends (``RangeValues.create_rv``):
``lowerWhich,lowerValue,upperWhich,upperValue,asinhQ,gamma,algorithm,zscaleContrast,
zscaleSamples,zscaleSamplesPerLine[,rgbPreserveHue,asinhStretch,scalingK]``. The codes and
formulas below are Firefly's own (RangeValues.java, ImageStretch.java, ImageStretchUtil.java
and Histogram.java in Caltech-IPAC/firefly), expressed with astropy.visualization:

* bounds: percent (88) is a percentile of the pixels; 89 (min/max, obsolete in Firefly) is
  0-100 %; absolute (90) is a pixel value; zscale (91) is IRAF's zscale with contrast/100;
  sigma (92) is median + k·σ with σ = (p84 − p16)/2, as Firefly's histogram computes it;
* algorithms: linear; log is log10(1 + 9x) (``LogStretch(a=9)``); loglog applies it twice;
  equal is histogram equalisation; squared, sqrt; powerlaw_gamma is x**(1/γ);
  asinh is Firefly's 0.1·asinh(Q·x)/asinh(0.1·Q), with Q found from the data when NaN.

Firefly's default, when no stretch is sent, is ``RangeValues()``: linear, 1 % to 99 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.visualization import (
    AsinhStretch,
    AsymmetricPercentileInterval,
    BaseInterval,
    BaseStretch,
    HistEqStretch,
    LinearStretch,
    LogStretch,
    ManualInterval,
    MinMaxInterval,
    PowerStretch,
    SqrtStretch,
    SquaredStretch,
    ZScaleInterval,
)
from astropy.visualization.stretch import CompositeStretch

PERCENT, MINMAX, ABSOLUTE, ZSCALE, SIGMA = 88, 89, 90, 91, 92
LINEAR, LOG, LOGLOG, EQUAL, SQUARED, SQRT, ASINH, POWERLAW_GAMMA = range(44, 52)
BOUNDS = {PERCENT: "percent", MINMAX: "minmax", ABSOLUTE: "absolute", ZSCALE: "zscale", SIGMA: "sigma"}
ALGORITHMS = {LINEAR: "linear", LOG: "log", LOGLOG: "loglog", EQUAL: "equal", SQUARED: "squared", SQRT: "sqrt",
              ASINH: "asinh", POWERLAW_GAMMA: "powerlaw_gamma"}
FIREFLY_LOG_A = 9.0  # Firefly's log table: x = (10**t - 1) / 9


class RangeValuesError(ValueError):
    """A range-values string Firefly would not understand."""


@dataclass(frozen=True)
class RangeValues:
    """One band's stretch, as Firefly's RangeValues holds it."""

    lower_which: int = PERCENT
    lower_value: float = 1.0
    upper_which: int = PERCENT
    upper_value: float = 99.0
    asinh_q: float = math.nan
    gamma: float = 2.0
    algorithm: int = LINEAR
    zscale_contrast: int = 25
    zscale_samples: int = 600
    zscale_samples_per_line: int = 120
    rgb_preserve_hue: int = 0
    asinh_stretch: float = math.nan
    scaling_k: float = 1.0

    @classmethod
    def parse(cls, text: str) -> RangeValues:
        """Parse the comma-separated string; 10 to 13 fields, as firefly_client's parse_rvstring accepts."""
        fields = [f.strip() for f in str(text).split(",")]
        if not 10 <= len(fields) <= 13:
            raise RangeValuesError(f"range values need 10 to 13 comma-separated fields, got {len(fields)}: {text!r}")
        try:
            numbers = [float(f) for f in fields]
        except ValueError as err:
            raise RangeValuesError(f"range values must be numbers: {text!r}") from err
        ints = {0, 2, 6, 7, 8, 9, 10}
        values = [int(v) if i in ints and math.isfinite(v) else v for i, v in enumerate(numbers)]
        rv = cls(*values)
        for which in (rv.lower_which, rv.upper_which):
            if which not in BOUNDS:
                raise RangeValuesError(f"unknown bound type {which} (Firefly knows {sorted(BOUNDS)}): {text!r}")
        if rv.algorithm not in ALGORITHMS:
            raise RangeValuesError(f"unknown stretch algorithm {rv.algorithm} (Firefly knows 44-51): {text!r}")
        return rv

    def describe(self) -> str:
        """A short phrase for people, e.g. 'log, zscale' or 'linear, 1%–99%'."""
        name = ALGORITHMS[self.algorithm]
        if self.algorithm == ASINH and math.isfinite(self.asinh_q):
            name += f" Q={self.asinh_q:g}"
        if self.algorithm == POWERLAW_GAMMA:
            name += f" γ={self.gamma:g}"
        return f"{name}, {_bound_text(self.lower_which, self.lower_value, self.upper_which, self.upper_value)}"

    def limits(self, data: np.ndarray) -> tuple[float, float]:
        """The pixel values that map to black and to white."""
        lower = _interval(self.lower_which, self.lower_value, self.upper_value, self)
        if self.upper_which == self.lower_which:
            return tuple(float(v) for v in lower.get_limits(data))
        upper = _interval(self.upper_which, self.lower_value, self.upper_value, self)
        return float(lower.get_limits(data)[0]), float(upper.get_limits(data)[1])

    def stretch(self, data: np.ndarray, limits: tuple[float, float]) -> BaseStretch:
        """astropy's stretch for this algorithm (some need the pixels: equal, asinh with Q from the data)."""
        if self.algorithm == LOG:
            return LogStretch(a=FIREFLY_LOG_A)
        if self.algorithm == LOGLOG:
            return CompositeStretch(LogStretch(a=FIREFLY_LOG_A), LogStretch(a=FIREFLY_LOG_A))
        if self.algorithm == EQUAL:
            return HistEqStretch(np.clip(data, *limits))
        if self.algorithm == SQUARED:
            return SquaredStretch()
        if self.algorithm == SQRT:
            return SqrtStretch()
        if self.algorithm == POWERLAW_GAMMA:
            return PowerStretch(1.0 / self.gamma)
        if self.algorithm == ASINH:
            q = self.asinh_q if math.isfinite(self.asinh_q) else default_asinh_q(*limits, float(np.nanmax(data)))
            q = 0.1 if q < 1e-10 else min(q, 1e10)  # Firefly's own bounds on Q
            # Firefly: 0.1·asinh(Q·x)/asinh(0.1·Q) = k · asinh(x/a)/asinh(1/a) with a = 1/Q
            k = 0.1 * math.asinh(q) / math.asinh(0.1 * q)
            return CompositeStretch(AsinhStretch(a=1.0 / q), LinearStretch(slope=k))
        return LinearStretch()


DEFAULT = RangeValues()  # Firefly's RangeValues(): linear, 1 % to 99 %


def default_asinh_q(low: float, high: float, data_max: float) -> float:
    """Firefly's Q when none is given: asinh(Q·f) = 10·asinh(0.1·Q), f = (max − low)/(high − low), Q in 0.1..12."""
    span = high - low
    fact = (data_max - low) / span if span else 1.0
    qs = np.arange(1, 121) / 10.0
    best = qs[np.argmin(np.abs(np.arcsinh(fact * qs) - 10 * np.arcsinh(0.1 * qs)))]
    return round(float(best), 1)


class SigmaInterval(BaseInterval):
    """Firefly's sigma bounds: median + k·σ, with σ = (p84 − p16)/2 of the pixels."""

    def __init__(self, lower_sigma: float, upper_sigma: float) -> None:
        self.lower_sigma, self.upper_sigma = lower_sigma, upper_sigma

    def get_limits(self, values):
        values = np.asarray(values)
        p16, p50, p84 = np.percentile(values[np.isfinite(values)], [16, 50, 84])
        sigma = (p84 - p16) / 2
        return p50 + self.lower_sigma * sigma, p50 + self.upper_sigma * sigma


def _interval(which: int, lower: float, upper: float, rv: RangeValues) -> BaseInterval:
    if which == PERCENT:
        return AsymmetricPercentileInterval(lower, upper)
    if which == MINMAX:
        return MinMaxInterval()
    if which == ABSOLUTE:
        return ManualInterval(lower, upper)
    if which == ZSCALE:
        return ZScaleInterval(n_samples=rv.zscale_samples, contrast=rv.zscale_contrast / 100.0)
    return SigmaInterval(lower, upper)


def _bound_text(lower_which: int, lower: float, upper_which: int, upper: float) -> str:
    if lower_which == upper_which == ZSCALE:
        return "zscale"
    if lower_which == upper_which == MINMAX:
        return "min to max"
    units = {PERCENT: "%", SIGMA: "σ", ABSOLUTE: "", MINMAX: "", ZSCALE: ""}
    ends = [f"{v:g}{units[w]}" if w not in (ZSCALE, MINMAX) else BOUNDS[w] for w, v in
            ((lower_which, lower), (upper_which, upper))]
    return "–".join(ends)
