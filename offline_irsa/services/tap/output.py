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
from xml.sax.saxutils import escape, quoteattr

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


INT_NULL = {"short": -32768, "int": -2147483648, "long": -9223372036854775808}  # VALUES null of an integer column


def _cell(value, datatype: str) -> str:
    if value is None:
        return ""
    if datatype == "char":
        return escape(str(value))
    if datatype == "float":
        return "NaN" if value != value else f"{value:.9g}"  # float32 written so it reads back the same
    if datatype == "double":
        return "NaN" if value != value else repr(float(value))
    return str(int(value))


def votable_bytes(result: Result) -> bytes:
    """The VOTable (TABLEDATA), written directly: astropy's writer took 19 ms for a 1' cone of fp_psc."""
    kinds = [known or _guess([row[i] for row in result.rows]) for i, known in enumerate(result.columns)]
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<VOTABLE version="{VOTABLE_VERSION}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             f'xmlns="http://www.ivoa.net/xml/VOTable/v{VOTABLE_VERSION}">',
             ' <RESOURCE type="results">',
             '  <INFO name="QUERY_STATUS" value="OK"/>',
             f'  <INFO name="DATA_ORIGIN" value="synthetic">{escape(SERVICE_NOTE)}</INFO>',
             "  <TABLE>"]
    seen = set()
    for i, (name, kind) in enumerate(zip(result.names, kinds, strict=True)):
        out_name = name
        while out_name.lower() in seen:  # SELECT a.x, b.x: VOTable names must differ
            out_name += "_"
        seen.add(out_name.lower())
        attributes = f'name={quoteattr(out_name)} datatype="{kind.datatype}"'
        if kind.datatype == "char":
            attributes += ' arraysize="*"'
        if kind.unit:
            attributes += f" unit={quoteattr(kind.unit)}"
        if kind.ucd:
            attributes += f" ucd={quoteattr(kind.ucd)}"
        body = f"<DESCRIPTION>{escape(kind.description)}</DESCRIPTION>" if kind.description else ""
        if kind.datatype in INT_NULL and any(row[i] is None for row in result.rows):
            body += f'<VALUES null="{INT_NULL[kind.datatype]}"/>'
            result_nulls = True
        else:
            result_nulls = False
        lines.append(f"   <FIELD {attributes}>{body}</FIELD>")
        kinds[i] = (kind.datatype, result_nulls)
    lines.append("   <DATA>\n    <TABLEDATA>")
    for row in result.rows:
        cells = []
        for value, (datatype, int_nulls) in zip(row, kinds, strict=True):
            if value is None and int_nulls:
                cells.append(f"<TD>{INT_NULL[datatype]}</TD>")
            else:
                cells.append(f"<TD>{_cell(value, datatype)}</TD>")
        lines.append("     <TR>" + "".join(cells) + "</TR>")
    lines.append("    </TABLEDATA>\n   </DATA>\n  </TABLE>")
    if result.overflow:
        lines.append('  <INFO name="QUERY_STATUS" value="OVERFLOW">the result was cut at MAXREC rows</INFO>')
    lines.append(" </RESOURCE>\n</VOTABLE>\n")
    return "\n".join(lines).encode("utf-8")


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
