"""SIA v2 at ``/SIA``: IRSA's image search over every registered collection, with VOSI.

The parameters are those IRSA's SIA v2 page lists (irsa-recorded.md). As the SIA 2.0
standard says, a parameter given several times means any of its values (OR) and different
parameters must all hold (AND); parameter names are read in any case; unknown parameters
(pyvo's ``VERB``, a ``REQUEST``) are ignored. ``BAND`` is in metres and matches when it meets
``[em_min, em_max]``; ``TIME`` (MJD) when it meets ``[t_min, t_max]``; ``EXPTIME``, ``FOV``,
``SPATRES``, ``SPECRP`` and ``TIMERES`` are intervals on their ObsCore columns; ``FORMAT``
is the products' ``access_format`` (as the standard has it: pyvo's ``res_format`` sends
``FORMAT``, not the response format), and ``RESPONSEFORMAT`` chooses the answer's format.

Choices where IRSA's pages and the record are silent:

* a search with no constraint at all is refused at once, naming POS, COLLECTION and
  CALIB (IRSA's own such search times out over its billion rows);
* a search that can find images but has neither POS nor ID is refused too: the stand-in
  lists a collection's images only around positions, or by identifier (a collection of
  millions of synthetic images is not listed whole);
* ``MAXREC`` defaults to ``DEFAULT_MAXREC`` and may not exceed ``MAX_MAXREC``; a longer
  answer is cut there with ``QUERY_STATUS=OVERFLOW``, as DALI says; ``MAXREC=0`` answers
  the columns and no rows, without searching;
* ``MAXREC`` and ``RESPONSEFORMAT`` given twice, a value over ``MAX_VALUE_LENGTH``
  characters, or more than ``MAX_VALUES`` values of one parameter are refused;
* string constraints match exactly (``FORMAT`` ignoring case, MIME types being so);
* errors are a VOTable with ``QUERY_STATUS=ERROR``, with HTTP 200 for VOTable answers (so
  pyvo shows the message, as for SIA v1) and HTTP 400 for the text and FITS formats;
* the VOSI capabilities give as access URL this service at the address the request came
  to, so that a client that reached the stand-in keeps talking to it.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree

from astropy.table import Table
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from offline_irsa.services.params import ParameterError
from offline_irsa.services.sia import error_votable
from offline_irsa.services.sia2 import obscore, pos
from offline_irsa.services.sia2.obscore import Row
from offline_irsa.services.sia2.registry import COLLECTIONS, Collection

PATH = "/SIA"
SIA2_STANDARD_ID = "ivo://ivoa.net/std/SIA#query-2.0"
DEFAULT_MAXREC = 10_000
MAX_MAXREC = 100_000
MAX_VALUE_LENGTH = 10_000  # a POLYGON of many vertices is long
MAX_VALUES = 100
SINGLE = ("MAXREC", "RESPONSEFORMAT")
NO_CONSTRAINT = ("Give POS, COLLECTION and/or CALIB: a search with no constraint at all would list every "
                 "image of every collection (IRSA's own such search times out)")

RESPONSE_FORMATS = {  # accepted spellings (lower case) -> (astropy writer, MIME type)
    "votable": ("votable", obscore.VOTABLE_MIME),
    "application/x-votable+xml": ("votable", obscore.VOTABLE_MIME),
    "text/xml": ("votable", obscore.VOTABLE_MIME),
    "csv": ("ascii.csv", "text/csv"),
    "text/csv": ("ascii.csv", "text/csv"),
    "tsv": ("ascii.tab", "text/tab-separated-values"),
    "text/tab-separated-values": ("ascii.tab", "text/tab-separated-values"),
    "fits": ("fits", "application/fits"),
    "application/fits": ("fits", "application/fits"),
    "ipac": ("ascii.ipac", "text/plain"),
    "html": ("ascii.html", "text/html"),
    "text/html": ("ascii.html", "text/html"),
}


@dataclass
class Constraint:
    """One parameter's test on a row: any of its values (OR), on the columns it reads."""

    name: str
    columns: tuple[str, ...]
    test: Callable[..., bool]

    def holds(self, row: Row) -> bool:
        cells = [row.get(c) for c in self.columns]
        return all(c is not None for c in cells) and self.test(*cells)


@dataclass
class Query:
    regions: list[pos.Region] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    maxrec: int = DEFAULT_MAXREC
    responseformat: str = "votable"

    @property
    def constrained(self) -> bool:
        return bool(self.regions or self.ids or self.constraints)


def parameters(values: MultiDict) -> dict[str, list[str]]:
    """{NAME: [values]} with upper-case names; refuses what ``SINGLE``, the length and count caps refuse."""
    found: dict[str, list[str]] = {}
    for name, value in values.items(multi=True):
        key = name.upper()
        if len(value) > MAX_VALUE_LENGTH:
            raise ParameterError(f"{key} is longer than {MAX_VALUE_LENGTH} characters")
        found.setdefault(key, []).append(value)
        if len(found[key]) > (1 if key in SINGLE else MAX_VALUES):
            raise ParameterError(f"{key} is given more than {'once' if key in SINGLE else MAX_VALUES} times")
    return found


def interval(text: str, name: str) -> tuple[float, float]:
    """``lo hi`` or one value (lo = hi); -Inf/+Inf for an open end."""
    parts = text.split()
    if len(parts) not in (1, 2):
        raise ParameterError(f"{name} must be one number or two (an interval), got {text!r}")
    lo, hi = (pos.value(p, name, allow_inf=True) for p in (parts[0], parts[-1]))
    if math.isnan(lo) or math.isnan(hi) or lo > hi:
        raise ParameterError(f"{name} interval must have its lower limit first, got {text!r}")
    return lo, hi


def _within(intervals):
    return lambda v: any(lo <= v <= hi for lo, hi in intervals)


def _meets(intervals):
    return lambda low, high: any(lo <= high and low <= hi for lo, hi in intervals)


EXACT = {"COLLECTION": "obs_collection", "DPTYPE": "dataproduct_type", "FACILITY": "facility_name",
         "INSTRUMENT": "instrument_name", "TARGET": "target_name", "ID": "obs_publisher_did"}
WITHIN = {"EXPTIME": "t_exptime", "FOV": "s_fov", "SPATRES": "s_resolution", "SPECRP": "em_res_power",
          "TIMERES": "t_resolution"}
MEETS = {"BAND": ("em_min", "em_max"), "TIME": ("t_min", "t_max")}


def parse_query(values: MultiDict) -> Query:
    params = parameters(values)
    query = Query()
    query.regions = [pos.parse(text) for text in params.get("POS", [])]
    query.ids = params.get("ID", [])
    for name, column in EXACT.items():
        if name in params:
            wanted = set(params[name])
            query.constraints.append(Constraint(name, (column,), wanted.__contains__))
    if "FORMAT" in params:
        formats = {f.strip().lower() for f in params["FORMAT"]}
        query.constraints.append(Constraint("FORMAT", ("access_format",), lambda v: v.lower() in formats))
    if "CALIB" in params:
        try:
            levels = {int(v) for v in params["CALIB"]}
        except ValueError:
            raise ParameterError(f"CALIB must be an integer from 0 to 4, got {params['CALIB']}") from None
        query.constraints.append(Constraint("CALIB", ("calib_level",), levels.__contains__))
    for name, column in WITHIN.items():
        if name in params:
            query.constraints.append(Constraint(name, (column,), _within([interval(v, name) for v in params[name]])))
    for name, columns in MEETS.items():
        if name in params:
            query.constraints.append(Constraint(name, columns, _meets([interval(v, name) for v in params[name]])))
    if "POL" in params:
        states = {f"/{s.strip().upper()}/" for s in params["POL"]}
        query.constraints.append(Constraint("POL", ("pol_states",), lambda v: any(s in v for s in states)))
    if "MAXREC" in params:
        text = params["MAXREC"][0]
        if not text.isascii() or not text.isdigit() or int(text) > MAX_MAXREC:
            raise ParameterError(f"MAXREC must be a whole number from 0 to {MAX_MAXREC}, got {text!r}")
        query.maxrec = int(text)
    if "RESPONSEFORMAT" in params:
        query.responseformat = params["RESPONSEFORMAT"][0].strip().lower()
        if query.responseformat not in RESPONSE_FORMATS:
            raise ParameterError(f"RESPONSEFORMAT {params['RESPONSEFORMAT'][0]!r} is not supported; use VOTABLE, "
                                 "CSV, TSV, FITS, IPAC or HTML")
    return query


def _could_match(collection: Collection, constraints: Sequence[Constraint]) -> bool:
    """False when a constraint on the columns every product shares already fails."""
    fixed = collection.fixed
    return all(c.holds(fixed) for c in constraints if set(c.columns) <= fixed.keys())


def search(query: Query) -> tuple[list[Row], str]:
    """Rows of the query and its QUERY_STATUS (OK, or OVERFLOW when cut at MAXREC). Raises ParameterError."""
    if query.maxrec == 0:
        return [], "OK"
    if not query.constrained:
        raise ParameterError(NO_CONSTRAINT)
    import offline_irsa.surveys  # noqa: F401  (registers every survey's collection, once)

    collections = [c for c in COLLECTIONS.values() if _could_match(c, query.constraints)]
    if collections and not (query.regions or query.ids):
        raise ParameterError(f"Give POS (or ID) to search {', '.join(c.name for c in collections)}: the offline "
                             "stand-in finds a collection's images around positions or by identifier, and does "
                             "not list whole collections")
    def found() -> Iterator[Row]:
        for collection in collections:
            if query.regions:
                rows = collection.search(query.regions)
            else:
                rows = (row for did in dict.fromkeys(query.ids) for row in collection.find(did))
            yield from (row for row in rows if all(c.holds(row) for c in query.constraints))

    rows = list(itertools.islice(found(), query.maxrec + 1))  # one more than MAXREC tells of an overflow
    if len(rows) > query.maxrec:
        return rows[:query.maxrec], "OVERFLOW"
    return rows, "OK"


def _error(message: str, writer: str) -> Response:
    return Response(error_votable(message), status=200 if writer == "votable" else 400,
                    content_type=obscore.VOTABLE_MIME)


def respond(request: Request) -> Response:
    asked = [v.strip().lower() for k, v in request.values.items(multi=True) if k.upper() == "RESPONSEFORMAT"]
    writer = RESPONSE_FORMATS.get(asked[0], ("votable",))[0] if asked else "votable"  # how to send an error
    try:
        query = parse_query(request.values)
        writer, mime = RESPONSE_FORMATS[query.responseformat]
        rows, status = search(query)
    except ParameterError as err:
        return _error(str(err), writer)
    document = obscore.votable(rows, status)
    if writer == "votable":
        return Response(obscore.xml(document), content_type=mime)
    table: Table = document.get_first_table().to_table()
    out = io.BytesIO()
    if writer == "fits":
        for name in table.colnames:  # FITS wants fixed-width text: at least one character, even if all are empty
            if table[name].dtype == object:
                table[name] = table[name].astype("U").astype(f"U{max(1, table[name].astype('U').dtype.itemsize // 4)}")
        table.write(out, format="fits")
    else:
        text = io.StringIO()
        table.write(text, format=writer)
        out.write(text.getvalue().encode())
    return Response(out.getvalue(), content_type=mime)


# --- VOSI ------------------------------------------------------------------------------------

VOSI_CAPABILITIES = "http://www.ivoa.net/xml/VOSICapabilities/v1.0"
VOSI_AVAILABILITY = "http://www.ivoa.net/xml/VOSIAvailability/v1.0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
VS = "http://www.ivoa.net/xml/VODataService/v1.1"
XML_MIME = "text/xml; charset=UTF-8"


def capabilities(request: Request) -> Response:
    """VOSI capabilities: SIA 2.0 query (the standardID pyvo looks for), availability, capabilities."""
    base = request.host_url.rstrip("/") + PATH
    ElementTree.register_namespace("vosi", VOSI_CAPABILITIES)
    ElementTree.register_namespace("xsi", XSI)
    root = ElementTree.Element(f"{{{VOSI_CAPABILITIES}}}capabilities", {"xmlns:vs": VS})
    for standard, url, extra in (
        ("ivo://ivoa.net/std/VOSI#capabilities", f"{base}/capabilities", {}),
        ("ivo://ivoa.net/std/VOSI#availability", f"{base}/availability", {}),
        (SIA2_STANDARD_ID, base, {"role": "std", "version": "2.0"}),
    ):
        capability = ElementTree.SubElement(root, "capability", standardID=standard)
        interface = ElementTree.SubElement(capability, "interface", {f"{{{XSI}}}type": "vs:ParamHTTP", **extra})
        use = "base" if standard == SIA2_STANDARD_ID else "full"
        ElementTree.SubElement(interface, "accessURL", use=use).text = url
    return Response(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True), content_type=XML_MIME)


def availability(request: Request) -> Response:
    ElementTree.register_namespace("vosi", VOSI_AVAILABILITY)
    root = ElementTree.Element(f"{{{VOSI_AVAILABILITY}}}availability")
    ElementTree.SubElement(root, f"{{{VOSI_AVAILABILITY}}}available").text = "true"
    ElementTree.SubElement(root, f"{{{VOSI_AVAILABILITY}}}note").text = (
        "offline_irsa: a local stand-in for IRSA's SIA v2, serving synthetic images")
    return Response(ElementTree.tostring(root, encoding="utf-8", xml_declaration=True), content_type=XML_MIME)
