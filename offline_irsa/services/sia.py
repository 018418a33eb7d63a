"""SIA v1 search, answering as IRSA's IBE does, for every survey (``surveys/*/sia_v1.py``).

The protocol is written once: parameters, the VOTable and text writers, errors. Each survey
gives its columns, table PARAMs and rows (``surveys.base.SiaTable``): 2MASS's 27 columns as
IRSA's own SIA v1 writer for 2MASS writes them, AllWISE's 23 as IRSA's answer shows them
(../shared/reference/irsa-recorded.md). Common to both: VOTable 1.2 sent as
``application/x-votable+xml``, ``QUERY_STATUS=OK`` and the ``INPUT:`` parameters in the
results resource, UCD1 words (``POS_EQ_RA_MAIN`` on ``sia_ra``, which pyvo's
``SIARecord.pos`` needs, although astropy's strict parse refuses it, as it refuses IRSA's
own answer).

Choices where the record is silent (each one a constant or a function here):

* the ``INPUT:`` PARAMs carry the service's defaults, as IRSA's writer writes them, not
  the values of the request; ``mcen`` (in IRSA's writer) is not offered;
* rows come in the order each survey's module says (nearest image centre first);
* SIZE above ``MAX_SIZE_DEG`` is refused;
* errors are a VOTable with QUERY_STATUS=ERROR. VOTable requests get it with HTTP 200,
  as SIA v1 prescribes and as pyvo needs to show the message; requests for CSV and the
  other text formats get it with HTTP 400, so that a CSV reader fails loudly instead of
  reading the error document as a table;
* text formats (CSV, TSV, IPAC, HTML) hold the same columns, array cells written as
  space-separated numbers (as in the VOTable's cells), and the units where the format has
  a place for them (IPAC);
* VERB is accepted and ignored: every column is always returned.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from astropy.io.votable.tree import Field, Info, Param, Resource, TableElement, Values, VOTableFile
from astropy.table import Column as TableColumn
from astropy.table import Table
from werkzeug.wrappers import Request, Response

from offline_irsa.services.params import ParameterError, numbers, single_values
from offline_irsa.sky.geometry import INTERSECT_RULES
from offline_irsa.surveys.base import SiaTable

MAX_SIZE_DEG = 10.0
VOTABLE_MIME = "application/x-votable+xml; charset=UTF-8"
LEGAL_FORMATS = ("all", "image/fits", "metadata")  # any other FORMAT is an error


@dataclass(frozen=True)
class Column:
    name: str
    datatype: str
    arraysize: str | None = None
    unit: str | None = None
    ucd: str | None = None
    description: str = ""
    options: tuple[str, ...] = ()  # values it takes, written as VALUES

    @property
    def number_array(self) -> bool:
        """Cells are arrays of numbers, which the text formats write as space-separated numbers."""
        return self.arraysize == "*" and self.datatype != "char"


INPUT_PARAMS = [  # name, default value, description, legal values
    ("INPUT:POS", "0,0", "Search centre 'ra,dec' in decimal degrees (ICRS), no whitespace", ()),
    ("INPUT:SIZE", "0", "Width[,height] of the search box in degrees, in the TAN plane at POS", ()),
    ("INPUT:INTERSECT", "OVERLAPS", "How images must meet the search box", INTERSECT_RULES),
    ("INPUT:FORMAT", "image/fits", "ALL or image/fits for images, METADATA for this description", ()),
]

RESPONSE_FORMATS = {  # accepted spellings -> (astropy writer, MIME type)
    "votable": ("votable", VOTABLE_MIME),
    "application/x-votable+xml": ("votable", VOTABLE_MIME),
    "text/xml": ("votable", VOTABLE_MIME),
    "csv": ("ascii.csv", "text/csv"),
    "text/csv": ("ascii.csv", "text/csv"),
    "tsv": ("ascii.tab", "text/tab-separated-values"),
    "text/tab-separated-values": ("ascii.tab", "text/tab-separated-values"),
    "ipac": ("ascii.ipac", "text/plain"),
    "html": ("ascii.html", "text/html"),
    "text/html": ("ascii.html", "text/html"),
}


class QueryError(ParameterError):
    """A request the service refuses; the message is what the client is told."""


def parse_pos(text: str) -> tuple[float, float]:
    ra, dec = numbers(text, "POS", (2,))
    if not -90 <= dec <= 90:
        raise QueryError(f"POS declination must be between -90 and 90 degrees, got {dec}")
    return ra % 360.0, dec


def parse_size(text: str | None) -> tuple[float, float]:
    if text is None or text == "":
        return 0.0, 0.0  # a point search
    values = numbers(text, "SIZE", (1, 2))
    if any(v < 0 or v > MAX_SIZE_DEG for v in values):
        raise QueryError(f"SIZE must be between 0 and {MAX_SIZE_DEG} degrees, got {text!r}")
    return (values[0], values[-1])


def parse_format(text: str | None) -> set[str]:
    formats = {f.strip().lower() for f in (text or "ALL").split(",")}
    if not formats <= set(LEGAL_FORMATS):
        raise QueryError(f"FORMAT must be ALL, image/fits or METADATA, got {text!r}")
    return formats


def search(params: dict[str, str], table: SiaTable) -> list[tuple]:
    """Rows of one SIA v1 query of a survey's table; params have upper-case names. Raises QueryError."""
    formats = parse_format(params.get("FORMAT"))
    if "metadata" in formats:
        return []  # answers as a query that finds no images
    if "POS" not in params:
        raise QueryError("POS is required, e.g. POS=314.30417,77.595559")
    ra, dec = parse_pos(params["POS"])
    width, height = parse_size(params.get("SIZE"))
    intersect = params.get("INTERSECT", "OVERLAPS").upper()
    if intersect not in INTERSECT_RULES:
        raise QueryError(f"INTERSECT must be one of {', '.join(INTERSECT_RULES)}, got {params['INTERSECT']!r}")
    return table.search(ra, dec, width, height, intersect)


def _info(name: str, value: str, text: str | None = None) -> Info:
    info = Info(name=name, value=value)
    if text:
        info.content = text
    return info


def _results_resource(votable: VOTableFile, status: str, message: str | None = None) -> Resource:
    resource = Resource(type="results")
    resource.infos.append(_info("QUERY_STATUS", status, message))
    votable.resources.append(resource)
    return resource


def _xml(votable: VOTableFile) -> bytes:
    out = io.BytesIO()
    votable.to_xml(out)
    # astropy writes units in its own normal form; IRSA writes "deg/pix" (same unit, as IRSA spells it).
    return out.getvalue().replace(b'unit="deg.pix-1"', b'unit="deg/pix"')


def results_votable(rows: list[tuple], table_spec: SiaTable) -> VOTableFile:
    """The results VOTable: status, INPUT params, the survey's table PARAMs, columns and rows."""
    votable = VOTableFile(version="1.2")
    resource = _results_resource(votable, "OK")
    resource.infos.append(_info("DATA_ORIGIN", "synthetic", table_spec.note))
    for name, value, description, legal in INPUT_PARAMS:
        param = Param(votable, name=name, ID=name.replace(":", "_"), datatype="char", arraysize="*", value=value)
        param.description = description
        if legal:
            param.values = Values(votable, param, type="legal")
            param.values.options.extend((v, v) for v in legal)
        resource.params.append(param)
    table = TableElement(votable)
    resource.tables.append(table)
    for column in table_spec.columns:
        field = Field(votable, name=column.name, datatype=column.datatype, arraysize=column.arraysize,
                      unit=column.unit, ucd=column.ucd)
        field.description = column.description
        if column.options:
            field.values = Values(votable, field, type="actual")
            field.values.options.extend((v, v) for v in column.options)
        table.fields.append(field)
    for name, datatype, value, ucd in table_spec.params:
        table.params.append(Param(votable, name=name, datatype=datatype, value=value, ucd=ucd,
                                  arraysize="*" if datatype == "char" else None))
    table.create_arrays(len(rows))
    for i, row in enumerate(rows):
        table.array[i] = row
    return votable


def error_votable(message: str) -> bytes:
    """The document a VO client expects for a refused query: QUERY_STATUS=ERROR and why."""
    votable = VOTableFile(version="1.2")
    _results_resource(votable, "ERROR", message)
    return _xml(votable)


NUMPY_TYPES = {"char": str, "int": np.int32, "double": np.float64}


def text_table(rows: list[tuple], columns_spec) -> Table:
    """The results as an astropy Table for the text formats; array cells are space-separated numbers.

    Built from the rows directly rather than through the VOTable: converting the VOTable costs the
    stand-in four times as much (masked columns, copied metadata), and a CSV search is what the
    cutouts tutorial makes once per target.
    """
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns_spec)
    columns = []
    for column, cells in zip(columns_spec, values, strict=True):
        if column.number_array:
            cells, dtype = [" ".join(f"{v:.10g}" for v in cell) for cell in cells], str
        else:
            dtype = NUMPY_TYPES[column.datatype]
        columns.append(TableColumn(np.array(cells, dtype=dtype), name=column.name, unit=column.unit,
                                   description=column.description))
    return Table(columns, copy=False)


def respond(request: Request, table_spec: SiaTable) -> Response:
    try:
        params = single_values(request.values)
    except ParameterError as err:
        return Response(error_votable(str(err)), status=200, content_type=VOTABLE_MIME)
    requested = params.get("RESPONSEFORMAT", "votable").lower()
    writer, mime = RESPONSE_FORMATS.get(requested, ("votable", VOTABLE_MIME))
    try:
        if requested not in RESPONSE_FORMATS:
            raise QueryError(f"RESPONSEFORMAT {params['RESPONSEFORMAT']!r} is not supported; use VOTABLE or CSV")
        rows = search(params, table_spec)
    except ParameterError as err:
        status = 200 if writer == "votable" else 400
        return Response(error_votable(str(err)), status=status, content_type=VOTABLE_MIME)
    if writer == "votable":
        return Response(_xml(results_votable(rows, table_spec)), content_type=mime)
    text = io.StringIO()
    text_table(rows, table_spec.columns).write(text, format=writer)
    return Response(text.getvalue(), content_type=mime)
