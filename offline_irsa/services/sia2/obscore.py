"""The ObsCore table SIA v2 answers with: IRSA's 51 columns, in IRSA's order, units and types.

The names, order, units and types are the ones IRSA's SIA v2 answer shows (irsa-recorded.md,
"SIA v2 at ..."). Choices where the record is silent: UCDs and descriptions are not written
(IRSA's are not recorded, and pyvo reads ObsCore columns by name); columns whose unit the
record does not give (``t_resolution``, always null here) have none; the answer is VOTable
1.4, astropy's current version, served as ``application/x-votable+xml``, with IRSA's
``QUERY_STATUS`` INFO in the results resource and ``DATA_ORIGIN`` saying the data are
synthetic, as SIA v1 does.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from astropy.io.votable.tree import Field, Info, Resource, TableElement, VOTableFile

VOTABLE_MIME = "application/x-votable+xml; charset=UTF-8"
SERVICE_NOTE = "Offline stand-in for IRSA SIA v2 (offline_irsa): synthetic images, not real observations."


@dataclass(frozen=True)
class Column:
    name: str
    datatype: str  # VOTable datatype: char, short, long, double, boolean
    unit: str | None = None

    @property
    def arraysize(self) -> str | None:
        return "*" if self.datatype == "char" else None

    @property
    def empty(self):
        """The cell value written under a mask (a null)."""
        return {"char": "", "boolean": False, "double": 0.0}.get(self.datatype, 0)


def _columns(spec: str) -> list[Column]:
    """``name:type[:unit]`` words; type c=char, s=short (int16), l=long (int64), d=double, b=boolean."""
    types = {"c": "char", "s": "short", "l": "long", "d": "double", "b": "boolean"}
    columns = []
    for word in spec.split():
        name, kind, *unit = word.split(":")
        columns.append(Column(name, types[kind], unit[0] if unit else None))
    return columns


COLUMNS = _columns("""
    s_ra:d:deg s_dec:d:deg facility_name:c instrument_name:c dataproduct_subtype:c calib_level:s
    dataproduct_type:c energy_bandpassname:c energy_emband:c obs_id:c s_resolution:d:arcsec em_min:d:m em_max:d:m
    em_res_power:d proposal_title:c access_url:c access_format:c access_estsize:l:kbyte t_exptime:d:s
    s_region:c:deg obs_collection:c obs_intent:c algorithm_name:c facility_keywords:c instrument_keywords:c
    environment_photometric:b proposal_id:c proposal_pi:c proposal_project:c target_name:c target_type:c
    target_standard:b target_moving:b target_keywords:c obs_release_date:c s_xel1:l s_xel2:l
    s_pixel_scale:d:arcsec position_timedependent:b t_min:d:d t_max:d:d t_resolution:d t_xel:l
    obs_publisher_did:c s_fov:d:deg em_xel:l pol_states:c pol_xel:l cloud_access:c o_ucd:c upload_row_id:l
""")
NAMES = [c.name for c in COLUMNS]

Row = Mapping[str, object]  # column name -> value; a missing name is a null cell


def s_region(corners: Sequence[tuple[float, float]]) -> str:
    """``POLYGON ICRS`` and the corners' RA Dec pairs, the first repeated at the end, as IRSA writes it."""
    points = [*corners, corners[0]]
    return "POLYGON ICRS " + " ".join(f"{ra:.6f} {dec:.6f}" for ra, dec in points)


def _info(name: str, value: str, text: str | None = None) -> Info:
    info = Info(name=name, value=value)
    if text:
        info.content = text
    return info


def votable(rows: Sequence[Row], status: str = "OK", message: str | None = None) -> VOTableFile:
    """The results VOTable: QUERY_STATUS (OK or OVERFLOW), the 51 columns and ``rows``."""
    document = VOTableFile(version="1.4")
    resource = Resource(type="results")
    resource.infos.append(_info("QUERY_STATUS", status, message))
    resource.infos.append(_info("DATA_ORIGIN", "synthetic", SERVICE_NOTE))
    document.resources.append(resource)
    table = TableElement(document)
    resource.tables.append(table)
    for column in COLUMNS:
        table.fields.append(Field(document, name=column.name, datatype=column.datatype,
                                  arraysize=column.arraysize, unit=column.unit))
    table.create_arrays(len(rows))
    for i, row in enumerate(rows):
        cells = [row.get(name) for name in NAMES]
        table.array[i] = tuple(c.empty if v is None else v for c, v in zip(COLUMNS, cells, strict=True))
        table.array.mask[i] = tuple(v is None for v in cells)
    return document


def xml(document: VOTableFile) -> bytes:
    out = io.BytesIO()
    document.to_xml(out)
    return out.getvalue()
