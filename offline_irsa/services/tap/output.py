"""A query's rows as the formats TAP clients ask for: VOTable (the default), CSV, TSV, IPAC, HTML, FITS, JSON.

Columns that are a table's own keep that table's datatype, unit, UCD and description (so
``ra`` is a double in deg, ``j_m`` a float in mag, as IRSA sends them); computed columns get
a type from their values (integers long, other numbers double, text char).

Choices where the record is silent: VOTable version 1.3 (what TAP 1.1 names); errors are
a VOTable with ``QUERY_STATUS=ERROR`` sent with HTTP 200 when VOTable was asked for (so
pyvo reads the message, as it does IRSA's) and HTTP 400 for the text formats (so a CSV
reader fails loudly instead of reading the error as a table), as the stand-in's SIA does;
a query cut at MAXREC ends with a second ``QUERY_STATUS`` INFO, ``OVERFLOW``, after the
``OK``, as TAP prescribes; JSON is ``{"columns": [{name, datatype, unit}], "data": [[...]]}``.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
from astropy.io.votable.tree import Info, Resource, VOTableFile
from astropy.table import MaskedColumn, Table

from offline_irsa.services.tap.adql import Result
from offline_irsa.services.tap.tables import Column

VOTABLE_MIME = "application/x-votable+xml; charset=UTF-8"
VOTABLE_VERSION = "1.3"
SERVICE_NOTE = "Offline stand-in for IRSA TAP (offline_irsa): synthetic catalogue rows, not 2MASS data."
NUMPY = {"char": str, "short": np.int16, "int": np.int32, "long": np.int64, "float": np.float32,
         "double": np.float64, "boolean": bool}
FILL = {"char": "", "short": 0, "int": 0, "long": 0, "float": np.nan, "double": np.nan, "boolean": False}

# accepted spellings (lower case) -> format
FORMATS = {
    "votable": "votable", "application/x-votable+xml": "votable", "text/xml": "votable", "votable/td": "votable",
    "application/x-votable+xml;serialization=tabledata": "votable", "xml": "votable",
    "csv": "csv", "text/csv": "csv",
    "tsv": "tsv", "text/tab-separated-values": "tsv",
    "ipac": "ipac", "ipac_table": "ipac", "ipac-table": "ipac", "text/x-ipac-table": "ipac",
    "html": "html", "text/html": "html",
    "fits": "fits", "application/fits": "fits",
    "json": "json", "application/json": "json",
}
MIME = {"votable": VOTABLE_MIME, "csv": "text/csv", "tsv": "text/tab-separated-values", "ipac": "text/plain",
        "html": "text/html", "fits": "application/fits", "json": "application/json"}
WRITERS = {"csv": "ascii.csv", "tsv": "ascii.tab", "ipac": "ascii.ipac", "html": "ascii.html"}


def _guess(values: list) -> Column:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, int) for v in present):
        return Column("", "long")
    if present and all(isinstance(v, (int, float)) for v in present):
        return Column("", "double")
    return Column("", "char", arraysize="*")


def table(result: Result) -> Table:
    cells = list(zip(*result.rows, strict=True)) if result.rows else [()] * len(result.names)
    columns, seen = [], set()
    for name, known, values in zip(result.names, result.columns, cells, strict=True):
        kind = known or _guess(list(values))
        out_name = name
        while out_name.lower() in seen:  # SELECT a.x, b.x: VOTable names must differ
            out_name += "_"
        seen.add(out_name.lower())
        mask = [v is None for v in values]
        if kind.datatype == "char":
            data = np.array(["" if v is None else str(v) for v in values], dtype=str)
        else:
            data = np.array([FILL[kind.datatype] if v is None else v for v in values], dtype=NUMPY[kind.datatype])
        column = MaskedColumn(data, name=out_name, mask=mask, unit=kind.unit or None,
                              description=kind.description or None)
        if kind.ucd:
            column.meta["ucd"] = kind.ucd
        columns.append(column)
    return Table(columns, masked=True, copy=False)


def _info(name: str, value: str, text: str | None = None) -> Info:
    info = Info(name=name, value=value)
    if text:
        info.content = text
    return info


def votable_bytes(result: Result) -> bytes:
    rows = table(result)
    for name in rows.colnames:  # text as VOTable char, as IRSA sends it (astropy writes str as unicodeChar)
        if rows[name].dtype.kind == "U":
            rows[name] = MaskedColumn(np.char.encode(rows[name].filled(""), "utf-8"), name=name,
                                      mask=rows[name].mask, description=rows[name].description)
    votable = VOTableFile.from_table(rows)
    votable.version = VOTABLE_VERSION
    resource = votable.resources[0]
    resource.type = "results"
    resource.infos.append(_info("QUERY_STATUS", "OK"))
    resource.infos.append(_info("DATA_ORIGIN", "synthetic", SERVICE_NOTE))
    for field, column in zip(resource.tables[0].fields, result.columns, strict=True):
        if column is not None and column.ucd:
            field.ucd = column.ucd
    if result.overflow:
        resource.infos.append(_info("QUERY_STATUS", "OVERFLOW", "the result was cut at MAXREC rows"))
    out = io.BytesIO()
    votable.to_xml(out)
    return out.getvalue()


def error_votable(message: str) -> bytes:
    votable = VOTableFile(version=VOTABLE_VERSION)
    resource = Resource(type="results")
    resource.infos.append(_info("QUERY_STATUS", "ERROR", message))
    votable.resources.append(resource)
    out = io.BytesIO()
    votable.to_xml(out)
    return out.getvalue()


def _json_cell(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def render(result: Result, fmt: str) -> bytes:
    """The answer's body in format ``fmt`` (a value of FORMATS)."""
    if fmt == "votable":
        return votable_bytes(result)
    if fmt == "json":
        columns = [{"name": n, "datatype": (c or _guess([r[i] for r in result.rows])).datatype,
                    "unit": (c.unit if c else "") or None} for i, (n, c) in enumerate(zip(result.names, result.columns,
                                                                                          strict=True))]
        data = [[_json_cell(v) for v in row] for row in result.rows]
        return json.dumps({"columns": columns, "data": data, "overflow": result.overflow}).encode()
    if fmt == "fits":
        out = io.BytesIO()
        table(result).write(out, format="fits")
        return out.getvalue()
    text = io.StringIO()
    table(result).write(text, format=WRITERS[fmt])
    return text.getvalue().encode()
