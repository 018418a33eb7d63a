"""SIA v1 search for the 2MASS All-Sky atlas, answering as IRSA's IBE does.

Parameters and semantics follow IRSA's SIA v1 page: POS, SIZE, INTERSECT, FORMAT,
RESPONSEFORMAT; parameter names are case-insensitive, as SIA v1 asks. Choices where
IRSA documents nothing (each one a constant or a function here, easy to change):

* rows come nearest image centre first, J, H, Ks for each image;
* SIZE above ``MAX_SIZE_DEG`` is refused;
* errors are a VOTable with QUERY_STATUS=ERROR. VOTable requests get it with HTTP 200,
  as SIA v1 prescribes and as pyvo needs to show the message; requests for CSV and the
  other text formats get it with HTTP 400, so that a CSV reader fails loudly instead of
  reading the error document as a table;
* VERB is accepted and ignored: every column is always returned.
"""

from __future__ import annotations

import io
import math

import numpy as np
from astropy.io.votable.tree import Info, Resource, VOTableFile
from astropy.table import Table
from werkzeug.wrappers import Request, Response

from offline_irsa.sky.bands import BANDS
from offline_irsa.sky.regions import INTERSECT_RULES, find_tiles
from offline_irsa.sky.render import magzp, seeing
from offline_irsa.sky.tiling import NAXIS1, PIXEL_SCALE_DEG, AtlasTile

PUBLIC_DATA_ROOT = "https://irsa.ipac.caltech.edu/ibe/data/twomass/allsky/allsky"
MAX_SIZE_DEG = 10.0
SERVICE_NOTE = "Offline stand-in for IRSA SIA v1 (offline_irsa): synthetic images, not 2MASS data."

# Column name, FITS-style unit, UCD. SIA v1 names its columns by UCD1 words ("VOX:..."),
# which pyvo looks up. astropy's strict VOTable check accepts namespaced words like
# these, but refuses the un-namespaced UCD1 words POS_EQ_RA_MAIN/POS_EQ_DEC_MAIN, so the
# position columns carry their UCD1+ equivalents. pyvo's ``SIARecord.pos`` (which asks
# for the UCD1 words) is therefore None here; title, acref, bandpass and the rest work.
COLUMNS = [
    ("sia_title", None, "VOX:Image_Title"),
    ("sia_url", None, "VOX:Image_AccessReference"),
    ("sia_naxes", None, "VOX:Image_Naxes"),
    ("sia_fmt", None, "VOX:Image_Format"),
    ("sia_ra", "deg", "pos.eq.ra;meta.main"),
    ("sia_dec", "deg", "pos.eq.dec;meta.main"),
    ("sia_naxis", None, "VOX:Image_Naxis"),
    ("sia_crpix", None, "VOX:WCS_CoordRefPixel"),
    ("sia_crval", "deg", "VOX:WCS_CoordRefValue"),
    ("sia_proj", None, "VOX:WCS_CoordProjection"),
    ("sia_scale", "deg", "VOX:Image_Scale"),
    ("sia_cd", "deg", "VOX:WCS_CDMatrix"),
    ("sia_bp_id", None, "VOX:BandPass_ID"),
    ("sia_bp_ref", "m", "VOX:BandPass_RefValue"),
    ("sia_bp_hi", "m", "VOX:BandPass_HiLimit"),
    ("sia_bp_lo", "m", "VOX:BandPass_LoLimit"),
    ("ordate", None, None),
    ("hemisphere", None, None),
    ("scanno", None, None),
    ("fname", None, None),
    ("ut_date", None, None),
    ("coadd_key", None, None),
    ("seesh", "arcsec", None),
    ("magzp", "mag", None),
    ("filter", None, None),
    ("ra", "deg", None),
    ("dec", "deg", None),
] + [(f"{c}{i}", "deg", None) for i in range(1, 5) for c in ("ra", "dec")]

RESPONSE_FORMATS = {  # accepted spellings -> (astropy writer, MIME type)
    "votable": ("votable", "text/xml"),
    "application/x-votable+xml": ("votable", "text/xml"),
    "text/xml": ("votable", "text/xml"),
    "csv": ("ascii.csv", "text/csv"),
    "text/csv": ("ascii.csv", "text/csv"),
    "tsv": ("ascii.tab", "text/tab-separated-values"),
    "text/tab-separated-values": ("ascii.tab", "text/tab-separated-values"),
    "ipac": ("ascii.ipac", "text/plain"),
    "html": ("ascii.html", "text/html"),
    "text/html": ("ascii.html", "text/html"),
}


class QueryError(ValueError):
    """A request the service refuses; the message is what the client is told."""


def _floats(text: str, name: str, count: tuple[int, ...]) -> list[float]:
    message = f"{name} must be {' or '.join(map(str, count))} comma-separated numbers, got {text!r}"
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise QueryError(message) from None
    if len(values) not in count or not all(math.isfinite(v) for v in values):
        raise QueryError(message)
    return values


def parse_pos(text: str) -> tuple[float, float]:
    ra, dec = _floats(text, "POS", (2,))
    if not -90 <= dec <= 90:
        raise QueryError(f"POS declination must be between -90 and 90 degrees, got {dec}")
    return ra % 360.0, dec


def parse_size(text: str | None) -> tuple[float, float]:
    if text is None or text == "":
        return 0.0, 0.0  # a point search
    values = _floats(text, "SIZE", (1, 2))
    if any(v < 0 or v > MAX_SIZE_DEG for v in values):
        raise QueryError(f"SIZE must be between 0 and {MAX_SIZE_DEG} degrees, got {text!r}")
    return (values[0], values[-1])


def _row(tile: AtlasTile, band: str) -> dict:
    ra, dec = tile.center
    info = BANDS[band]
    rho = math.radians(tile.twist)
    cd = PIXEL_SCALE_DEG * np.array([-math.cos(rho), -math.sin(rho), -math.sin(rho), math.cos(rho)])
    corners = tile.corners()  # counter-clockwise from pixel (0.5, 0.5)
    corner_ra = np.degrees(np.arctan2(corners[:, 1], corners[:, 0])) % 360
    corner_dec = np.degrees(np.arcsin(np.clip(corners[:, 2], -1, 1)))
    row = {
        "sia_title": f"2MASS All-Sky Data Release {info.title}-Band Atlas Image: "
        f"{tile.ordate}{tile.hemisphere} s{tile.scanno:03d} {tile.fname(band)}",
        "sia_url": f"{PUBLIC_DATA_ROOT}/{tile.path(band)}",
        "sia_naxes": 2,
        "sia_fmt": "image/fits",
        "sia_ra": ra,
        "sia_dec": dec,
        "sia_naxis": np.array([NAXIS1, tile.naxis2]),
        "sia_crpix": np.array([NAXIS1 / 2 + 0.5, tile.naxis2 / 2 + 0.5]),
        "sia_crval": np.array([ra, dec]),
        "sia_proj": "SIN",
        "sia_scale": np.array([-PIXEL_SCALE_DEG, PIXEL_SCALE_DEG]),
        "sia_cd": cd,
        "sia_bp_id": info.title,
        "sia_bp_ref": info.wavelength,
        "sia_bp_hi": info.hi,
        "sia_bp_lo": info.lo,
        "ordate": tile.ordate,
        "hemisphere": tile.hemisphere,
        "scanno": tile.scanno,
        "fname": tile.fname(band),
        "ut_date": tile.night.isoformat(),
        "coadd_key": tile.coadd_key,
        "seesh": seeing(tile),
        "magzp": magzp(tile, band),
        "filter": band,
        "ra": ra,
        "dec": dec,
    }
    for i in range(4):
        row[f"ra{i + 1}"], row[f"dec{i + 1}"] = corner_ra[i], corner_dec[i]
    return row


def _table(rows: list[dict]) -> Table:
    table = Table(rows=rows, names=[c[0] for c in COLUMNS])
    for name, unit, _ in COLUMNS:
        table[name].unit = unit
    return table


def _empty_table() -> Table:
    """The result table with no rows: what FORMAT=METADATA describes."""
    return _table([_row(AtlasTile(0, 0, 0), "j")])[:0]


def search(params: dict[str, str]) -> Table:
    """Run one SIA v1 query; params have upper-case names. Raises QueryError."""
    formats = {f.strip().lower() for f in params.get("FORMAT", "ALL").split(",")}
    if "metadata" in formats:
        return _empty_table()
    if "POS" not in params:
        raise QueryError("POS is required, e.g. POS=314.30417,77.595559")
    ra, dec = parse_pos(params["POS"])
    width, height = parse_size(params.get("SIZE"))
    intersect = params.get("INTERSECT", "OVERLAPS").upper()
    if intersect not in INTERSECT_RULES:
        raise QueryError(f"INTERSECT must be one of {', '.join(INTERSECT_RULES)}, got {params['INTERSECT']!r}")
    if not formats & {"all", "image/fits"}:
        return _empty_table()  # only FITS images here: no GRAPHIC or other formats
    rows = [_row(tile, band) for tile in find_tiles(ra, dec, width, height, intersect) for band in BANDS]
    return _table(rows) if rows else _empty_table()


def _info(name: str, value: str, text: str) -> Info:
    info = Info(name=name, value=value)
    info.content = text
    return info


def _xml(votable: VOTableFile) -> bytes:
    out = io.BytesIO()
    votable.to_xml(out)
    return out.getvalue()


def to_votable(table: Table) -> bytes:
    """A results VOTable with UCDs on the SIA columns, QUERY_STATUS=OK and a synthetic-data note."""
    votable = VOTableFile.from_table(table)
    resource = votable.resources[0]
    resource.type = "results"
    resource.infos.append(_info("QUERY_STATUS", "OK", "Query successful"))
    resource.infos.append(_info("DATA_ORIGIN", "synthetic", SERVICE_NOTE))
    ucds = {name: ucd for name, _, ucd in COLUMNS}
    for field in resource.tables[0].fields:
        field.ucd = ucds.get(field.name)
    return _xml(votable)


def error_votable(message: str) -> bytes:
    """The document a VO client expects for a refused query: QUERY_STATUS=ERROR and why."""
    votable = VOTableFile()
    resource = Resource(type="results")
    resource.infos.append(_info("QUERY_STATUS", "ERROR", message))
    votable.resources.append(resource)
    return _xml(votable)


def _as_text_table(table: Table) -> Table:
    """Array columns as space-separated numbers, since text formats hold one value per cell."""
    flat = table.copy()
    for name in flat.colnames:
        if flat[name].ndim > 1:
            flat[name] = [" ".join(f"{v:.10g}" for v in row) for row in table[name]]
    return flat


def respond(request: Request) -> Response:
    params = {k.upper(): v for k, v in request.values.items()}
    requested = params.get("RESPONSEFORMAT", "votable").lower()
    writer, mime = RESPONSE_FORMATS.get(requested, ("votable", "text/xml"))
    try:
        if requested not in RESPONSE_FORMATS:
            raise QueryError(f"RESPONSEFORMAT {params['RESPONSEFORMAT']!r} is not supported; use VOTABLE or CSV")
        table = search(params)
    except QueryError as err:
        status = 200 if writer == "votable" else 400
        return Response(error_votable(str(err)), status=status, mimetype="text/xml")
    if writer == "votable":
        return Response(to_votable(table), mimetype=mime)
    text = io.StringIO()
    _as_text_table(table).write(text, format=writer)
    return Response(text.getvalue(), mimetype=mime)
