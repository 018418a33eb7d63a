"""The tables the TAP stand-in serves, described once: TAP_SCHEMA, VOSI ``tables`` and SQL all come from here.

``fp_psc`` follows IRSA's table (irsa-recorded.md, "TAP"): the 2MASS Point Source Catalog's
60 columns in the catalogue's order, IRSA's names (``cntr`` for ``pts_key``, ``xdate`` for
``date``), ``ra``/``dec`` double in deg, errors in arcsec, magnitudes float. Of IRSA's four
extra columns only ``htm20`` is recorded; it is left out, with the other three: the record
says it is a 19-digit integer, while a standard level-20 HTM index has 14 digits (8 x 4**20 to
16 x 4**20), so IRSA's encoding is unknown, no reader uses it, and a wrong value would be worse
than none. fp_psc here therefore has 60 columns, the PSC's own. Units, types and descriptions of
the other columns are the Explanatory Supplement's (section 2.2a). Small integers (err_ang,
gal_contam, mp_flg, scan, phi_opt, nopt_mchs, ...) are ``int``, magnitudes and errors ``float``:
IRSA's own fp_psc answer in astroquery's test data (``ipac/irsa/tests/data/Cone.xml``, from
IRSA's older Gator service) types the small integers ``int``; the record says TAP's magnitudes
are float32.

``caom.observation`` and ``caom.plane`` hold only what ``Irsa.list_collections`` asks for,
plus the columns that say what each row is; their content comes from ``collections.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache


@dataclass(frozen=True)
class Column:
    name: str
    datatype: str  # VOTable datatype: char, short, int, long, float, double
    unit: str = ""
    ucd: str = ""
    description: str = ""
    arraysize: str | None = None
    principal: bool = False
    indexed: bool = False

    @property
    def sql_type(self) -> str:
        return {"char": "TEXT", "short": "INTEGER", "int": "INTEGER", "long": "INTEGER",
                "float": "REAL", "double": "REAL", "boolean": "INTEGER"}[self.datatype]


@dataclass(frozen=True)
class TableDef:
    schema: str
    name: str  # as TAP_SCHEMA.tables.table_name gives it, and as queries name it
    description: str
    columns: tuple[Column, ...]
    irsa_dbms: int | None = None
    irsa_pos: str = "n"
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def sql_name(self) -> str:
        """The SQLite table it is loaded into (schemas are flattened into the name)."""
        return f"{self.schema}__{self.name.split('.')[-1]}".lower()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name.lower() == name.lower()), None)


def _c(name, datatype, unit="", description="", ucd="", arraysize=None, principal=False, indexed=False):
    if datatype == "char" and arraysize is None:
        arraysize = "*"
    return Column(name, datatype, unit, ucd, description, arraysize, principal, indexed)


def _band_columns(band: str, title: str) -> list[Column]:
    return [
        _c(f"{band}_m", "float", "mag", f"{title} selected default magnitude", "phot.mag", principal=True),
        _c(f"{band}_cmsig", "float", "mag", f"{title} corrected photometric uncertainty", "stat.error;phot.mag"),
        _c(f"{band}_msigcom", "float", "mag", f"{title} combined (total) photometric uncertainty",
           "stat.error;phot.mag", principal=True),
        _c(f"{band}_snr", "float", "", f"{title} scan signal-to-noise ratio", "stat.snr"),
    ]


FP_PSC_COLUMNS = tuple([
    _c("ra", "double", "deg", "right ascension (J2000 decimal deg)", "pos.eq.ra;meta.main", principal=True,
       indexed=True),
    _c("dec", "double", "deg", "declination (J2000 decimal deg)", "pos.eq.dec;meta.main", principal=True,
       indexed=True),
    _c("err_maj", "float", "arcsec", "major axis of 1-sigma error ellipse", "stat.error;pos.errorEllipse"),
    _c("err_min", "float", "arcsec", "minor axis of 1-sigma error ellipse", "stat.error;pos.errorEllipse"),
    _c("err_ang", "int", "deg", "angle of error ellipse major axis (E of N)", "pos.posAng"),
    _c("designation", "char", "", "source designation (hhmmssss+ddmmsss)", "meta.id;meta.main", principal=True),
    *_band_columns("j", "J"),
    *_band_columns("h", "H"),
    *_band_columns("k", "Ks"),
    _c("ph_qual", "char", "", "flag: photometric quality (J, H, Ks)", "meta.code.qual", principal=True),
    _c("rd_flg", "char", "", "flag: source of JHK default mag (read flag)", "meta.code"),
    _c("bl_flg", "char", "", "flag: # JHK components fit to source (blend flag)", "meta.code"),
    _c("cc_flg", "char", "", "flag: artifact contamination, confusion", "meta.code", principal=True),
    _c("ndet", "char", "", "# of >3-sigma ap. mag. measurements, # possible (jjhhkk)", "meta.number"),
    _c("prox", "float", "arcsec", "distance to the nearest source in the catalogue", "pos.angDistance"),
    _c("pxpa", "int", "deg", "position angle to the nearest source (E of N)", "pos.posAng"),
    _c("pxcntr", "int", "", "cntr of the nearest source", "meta.id.cross"),
    _c("gal_contam", "int", "", "flag: src contaminated by extended source", "meta.code"),
    _c("mp_flg", "int", "", "flag: association with asteroid or comet", "meta.code"),
    _c("cntr", "int", "", "unique identifier of the source (pts_key)", "meta.id", indexed=True),
    _c("hemis", "char", "", "hemisphere code for the observatory (n = north, s = south)", "meta.code"),
    _c("xdate", "char", "", "observation reference date (yyyy-mm-dd)", "time.epoch"),
    _c("scan", "int", "", "nightly scan number", "meta.id"),
    _c("glon", "double", "deg", "galactic longitude", "pos.galactic.lon"),
    _c("glat", "double", "deg", "galactic latitude", "pos.galactic.lat"),
    _c("x_scan", "float", "arcsec", "mean cross-scan focal plane position", "pos.cartesian.x;instr.det"),
    _c("jdate", "double", "d", "Julian date of the source measurement", "time.epoch"),
    _c("j_psfchi", "float", "", "J reduced chi-squared goodness-of-fit value", "stat.fit.chi2"),
    _c("h_psfchi", "float", "", "H reduced chi-squared goodness-of-fit value", "stat.fit.chi2"),
    _c("k_psfchi", "float", "", "Ks reduced chi-squared goodness-of-fit value", "stat.fit.chi2"),
    _c("j_m_stdap", "float", "mag", "J standard aperture magnitude", "phot.mag"),
    _c("j_msig_stdap", "float", "mag", "J standard aperture uncertainty", "stat.error;phot.mag"),
    _c("h_m_stdap", "float", "mag", "H standard aperture magnitude", "phot.mag"),
    _c("h_msig_stdap", "float", "mag", "H standard aperture uncertainty", "stat.error;phot.mag"),
    _c("k_m_stdap", "float", "mag", "Ks standard aperture magnitude", "phot.mag"),
    _c("k_msig_stdap", "float", "mag", "Ks standard aperture uncertainty", "stat.error;phot.mag"),
    _c("dist_edge_ns", "int", "arcsec", "distance from the source to the nearest N or S scan edge", "pos.distance"),
    _c("dist_edge_ew", "int", "arcsec", "distance from the source to the nearest E or W scan edge", "pos.distance"),
    _c("dist_edge_flg", "char", "", "flag: which scan edges dist_edge_ns and dist_edge_ew refer to", "meta.code"),
    _c("dup_src", "int", "", "flag: source in a scan overlap region", "meta.code"),
    _c("use_src", "int", "", "flag: source selected by the unique source selection", "meta.code"),
    _c("a", "char", "", "flag: associated optical source (T = Tycho, U = USNO-A2, 0 = none)", "meta.code"),
    _c("dist_opt", "float", "arcsec", "distance to the associated optical source", "pos.angDistance"),
    _c("phi_opt", "int", "deg", "position angle to the associated optical source", "pos.posAng"),
    _c("b_m_opt", "float", "mag", "blue magnitude of the associated optical source", "phot.mag"),
    _c("vr_m_opt", "float", "mag", "red magnitude of the associated optical source", "phot.mag"),
    _c("nopt_mchs", "int", "", "number of optical sources within 5 arcsec", "meta.number"),
    _c("ext_key", "int", "", "key of the associated extended source, if any", "meta.id.cross"),
    _c("scan_key", "int", "", "key of the scan the source was measured in", "meta.id.cross"),
    _c("coadd_key", "int", "", "key of the atlas image set the source was measured on", "meta.id.cross"),
    _c("coadd", "int", "", "number of the atlas image within its scan", "meta.id"),
])

FP_PSC = TableDef(
    "fp_2mass", "fp_psc", "2MASS All-Sky Point Source Catalog (PSC) [SYNTHETIC: the stars of the offline images]",
    FP_PSC_COLUMNS, irsa_dbms=21, irsa_pos="y",
)

def _wise_band_columns(n: int) -> list[Column]:
    return [
        _c(f"w{n}mpro", "double", "mag", f"W{n} magnitude measured with profile-fitting photometry, or the "
           f"95% confidence brightness limit if w{n}snr < 2", "phot.mag", principal=True),
        _c(f"w{n}sigmpro", "double", "mag", f"W{n} profile-fit photometric measurement uncertainty "
           "(null for an upper limit)", "stat.error;phot.mag", principal=True),
        _c(f"w{n}snr", "double", "", f"W{n} profile-fit measurement signal-to-noise ratio", "stat.snr",
           principal=True),
        _c(f"w{n}rchi2", "double", "", f"reduced chi^2 of the W{n} profile-fit photometry", "stat.fit.chi2"),
    ]


def _wise_per_band(names: list[tuple[str, str, str, str, str]]) -> list[Column]:
    """Columns repeated for W1..W4: (name pattern with {n}, datatype, unit, description with {n}, ucd)."""
    return [_c(name.format(n=n), datatype, unit, text.format(n=n), ucd)
            for name, datatype, unit, text, ucd in names for n in (1, 2, 3, 4)]


def _frames_columns() -> list[Column]:
    out = []
    for n in (1, 2, 3, 4):
        out += [_c(f"w{n}nm", "int", "", f"number of W{n} frames on which the source is detected with S/N >= 3",
                   "meta.number"),
                _c(f"w{n}m", "int", "", f"number of W{n} frames on which the source was measured", "meta.number")]
    return out


def _flux_columns() -> list[Column]:
    # AllWISE gives these in DN (the images' BUNIT); neither VOUnit nor the CDS units the VOTable is
    # checked against know DN, so the unit says "ct" (counts, what a data number counts) and the
    # description says DN; the VOTable stays valid for astropy's strict reader.
    out = []
    for n in (1, 2, 3, 4):
        out += [_c(f"w{n}flux", "double", "ct", f"W{n} profile-fit flux (DN)", "phot.flux"),
                _c(f"w{n}sigflux", "double", "ct", f"uncertainty of w{n}flux (DN)", "stat.error;phot.flux"),
                _c(f"w{n}sky", "double", "ct", f"W{n} sky background level (DN)", "instr.skyLevel")]
    return out


# allwise_p3as_psd, the AllWISE Source Catalog as IRSA serves it (Gator and TAP name it so; astroquery's
# users query it with Irsa.query_region(..., catalog="allwise_p3as_psd")). Column names, order and units
# are the AllWISE Explanatory Supplement's (section 2.1a, "Source Catalog and Reject Table column
# descriptions", wise2.ipac.caltech.edu/docs/release/allwise/expsup/sec2_1a.html), the same order IRSA's
# catalogue data dictionary lists for allwise_p3as_psd (a Gator ``selcols`` list of all 298 columns:
# designation, ra, dec, sigra, sigdec, sigradec, glon, glat, elon, elat, wx, wy, cntr, source_id, coadd_id,
# src, w1mpro, ...). Served here: the columns a reader uses and those the synthetic sky can honestly fill,
# in that order; left out (no model behind them): the motion fit (ra_pm ... pmcode), rel, the
# per-band artifact maps (w?cc_map, w?cc_map_str), best_use_cntr, ngrp, w?sigsk, w?conf, the aperture
# magnitudes (w?mag, w?mag_1..8 and their errors and flags), the variability statistics (w?magp ...
# q34), the extended-source columns (xscprox, w?rsemi ... w?gflg) and htm20. Types: IRSA's TAP types
# are not recorded; position and photometry are ``double`` (decimal columns of the supplement),
# counts and flags ``int``, keys ``long``, flag strings ``char`` (our choice).
ALLWISE_COLUMNS = tuple([
    _c("designation", "char", "", "WISE source designation (Jhhmmss.ss+ddmmss.s)", "meta.id;meta.main",
       principal=True),
    _c("ra", "double", "deg", "right ascension (J2000)", "pos.eq.ra;meta.main", principal=True, indexed=True),
    _c("dec", "double", "deg", "declination (J2000)", "pos.eq.dec;meta.main", principal=True, indexed=True),
    _c("sigra", "double", "arcsec", "one-sigma uncertainty in right ascension", "stat.error;pos.eq.ra",
       principal=True),
    _c("sigdec", "double", "arcsec", "one-sigma uncertainty in declination", "stat.error;pos.eq.dec",
       principal=True),
    _c("sigradec", "double", "arcsec", "the co-sigma of the RA and Dec uncertainties", "stat.covariance;pos.eq"),
    _c("glon", "double", "deg", "galactic longitude", "pos.galactic.lon"),
    _c("glat", "double", "deg", "galactic latitude", "pos.galactic.lat"),
    _c("elon", "double", "deg", "ecliptic longitude", "pos.ecliptic.lon"),
    _c("elat", "double", "deg", "ecliptic latitude", "pos.ecliptic.lat"),
    _c("wx", "double", "pix", "x pixel position of the source on its Atlas tile (FITS, 1-based)",
       "pos.cartesian.x;instr.det"),
    _c("wy", "double", "pix", "y pixel position of the source on its Atlas tile (FITS, 1-based)",
       "pos.cartesian.y;instr.det"),
    _c("cntr", "long", "", "unique identification number of the source", "meta.id", indexed=True),
    _c("source_id", "char", "", "unique source id: the Atlas tile id and src", "meta.id"),
    _c("coadd_id", "char", "", "id of the Atlas tile on which the source was measured", "meta.id;obs.image"),
    _c("src", "int", "", "source number on its Atlas tile", "meta.number"),
    *_wise_band_columns(1),
    *_wise_band_columns(2),
    *_wise_band_columns(3),
    *_wise_band_columns(4),
    _c("rchi2", "double", "", "reduced chi^2 of the profile fit in all bands", "stat.fit.chi2"),
    _c("nb", "int", "", "number of blend components used in the fit", "meta.number"),
    _c("na", "int", "", "active deblending flag (1 = the source was deblended)", "meta.code"),
    *_wise_per_band([("w{n}sat", "double", "", "fraction of W{n} pixels affected by saturation",
                      "meta.code.qual")]),
    _c("satnum", "char", "", "minimum sample at which saturation occurs, per band", "meta.code"),
    _c("cc_flags", "char", "", "contamination and confusion flags, per band (0 = none)", "meta.code",
       principal=True),
    _c("ext_flg", "int", "", "extended source flag (0 = point source, no 2MASS XSC association)", "meta.code",
       principal=True),
    _c("var_flg", "char", "", "variability flag, per band (n = too few detections)", "meta.code.qual"),
    _c("ph_qual", "char", "", "photometric quality flag, per band (A, B, C, U, X, Z)", "meta.code.qual",
       principal=True),
    _c("det_bit", "int", "", "bits set for the bands where the source has S/N >= 2", "meta.code"),
    _c("moon_lev", "char", "", "scattered moonlight contamination, per band", "meta.code"),
    *_frames_columns(),
    *_wise_per_band([("w{n}cov", "double", "", "mean W{n} coverage depth at the source (frames)",
                      "meta.number")]),
    *_flux_columns(),
    _c("tmass_key", "long", "", "cntr of the associated 2MASS PSC source (fp_psc)", "meta.id.cross"),
    _c("r_2mass", "double", "arcsec", "distance to the associated 2MASS PSC source", "pos.angDistance"),
    _c("pa_2mass", "double", "deg", "position angle to the associated 2MASS PSC source (E of N)", "pos.posAng"),
    _c("n_2mass", "int", "", "number of 2MASS PSC sources within 3 arcsec", "meta.number"),
    _c("j_m_2mass", "double", "mag", "2MASS J magnitude of the associated source (j_m)", "phot.mag"),
    _c("j_msig_2mass", "double", "mag", "2MASS J uncertainty of the associated source (j_msigcom)",
       "stat.error;phot.mag"),
    _c("h_m_2mass", "double", "mag", "2MASS H magnitude of the associated source (h_m)", "phot.mag"),
    _c("h_msig_2mass", "double", "mag", "2MASS H uncertainty of the associated source (h_msigcom)",
       "stat.error;phot.mag"),
    _c("k_m_2mass", "double", "mag", "2MASS Ks magnitude of the associated source (k_m)", "phot.mag"),
    _c("k_msig_2mass", "double", "mag", "2MASS Ks uncertainty of the associated source (k_msigcom)",
       "stat.error;phot.mag"),
])

# Schema ``wise``: IRSA keeps its WISE tables there (astroquery's remote tests find
# ``wise.wise_allwise_p3am_cdd`` in TAP_SCHEMA.tables); queries name the table ``allwise_p3as_psd``.
ALLWISE = TableDef(
    "wise", "allwise_p3as_psd",
    "AllWISE Source Catalog [SYNTHETIC: the stars of the offline AllWISE images]",
    ALLWISE_COLUMNS, irsa_dbms=21, irsa_pos="y",
)
# The catalogues whose rows are made for the sky a query names (adql.py loads them).
CATALOGS = (FP_PSC, ALLWISE)

CAOM_OBSERVATION = TableDef("caom", "caom.observation", "CAOM observations: one per image set (metadata table)", (
    _c("obsid", "long", "", "internal identifier of the observation", "meta.id", principal=True, indexed=True),
    _c("collection", "char", "", "name of the data collection", "meta.id", principal=True),
    _c("observationid", "char", "", "identifier of the observation within the collection", "meta.id",
       principal=True),
    _c("intent", "char", "", "purpose of the observation (science or calibration)", "meta.code"),
    _c("type", "char", "", "type of the observation", "meta.code"),
    _c("instrument_name", "char", "", "name of the instrument", "meta.id;instr"),
    _c("telescope_name", "char", "", "name of the telescope", "meta.id;instr.tel"),
))
CAOM_PLANE = TableDef("caom", "caom.plane", "CAOM planes: one per data product (metadata table)", (
    _c("planeid", "long", "", "internal identifier of the plane", "meta.id", principal=True, indexed=True),
    _c("obsid", "long", "", "the observation this plane belongs to", "meta.id", principal=True, indexed=True),
    _c("productid", "char", "", "identifier of the product within the observation", "meta.id"),
    _c("dataproducttype", "char", "", "type of the data product (image, cube, spectrum, ...)", "meta.code.class",
       principal=True),
    _c("calibrationlevel", "short", "", "calibration level (0 raw to 3 derived)", "meta.code.qual"),
    _c("energy_bandpassname", "char", "", "name of the band", "instr.bandpass"),
    _c("position_bounds_center_ra", "double", "deg", "RA of the image centre", "pos.eq.ra"),
    _c("position_bounds_center_dec", "double", "deg", "Dec of the image centre", "pos.eq.dec"),
))

# TAP_SCHEMA as TAP 1.1 defines it; IRSA's tables table adds irsa_dbms and irsa_pos, which
# astroquery's list_catalogs filters on (irsa_dbms=21 and irsa_pos='y' for spatially searchable catalogues).
SCHEMAS = TableDef("TAP_SCHEMA", "TAP_SCHEMA.schemas", "schemas in this service", (
    _c("schema_name", "char", "", "schema name", principal=True),
    _c("utype", "char", "", "lists the utypes of schemas in the tableset"),
    _c("description", "char", "", "describes schemas in the tableset", principal=True),
    _c("schema_index", "int", "", "recommended sort order when listing schemas"),
))
# IRSA's order, as astroquery's documentation shows list_catalogs(full=True): table_index (int),
# schema_name, table_name, description, ..., irsa_access_flag (int), irsa_nrows (long),
# irsa_odbc_datasource, irsa_spatial_idx_name; the middle columns' order is not shown (our choice).
TABLES = TableDef("TAP_SCHEMA", "TAP_SCHEMA.tables", "tables in this service", (
    _c("table_index", "int", "", "recommended sort order when listing tables"),
    _c("schema_name", "char", "", "the schema this table belongs to", principal=True),
    _c("table_name", "char", "", "the fully qualified table name", principal=True),
    _c("description", "char", "", "describes tables in the tableset", principal=True),
    _c("table_type", "char", "", "one of: table view", principal=True),
    _c("utype", "char", "", "lists the utype of tables in the tableset"),
    _c("irsa_dbms", "int", "", "IRSA: kind of table (21 = catalogue)"),
    _c("irsa_pos", "char", "", "IRSA: y if the table can be searched by position"),
    _c("irsa_access_flag", "int", "", "IRSA: access level (30 = public)"),
    _c("irsa_nrows", "long", "", "IRSA: number of rows"),
    _c("irsa_odbc_datasource", "char", "", "IRSA: database the table lives in"),
    _c("irsa_spatial_idx_name", "char", "", "IRSA: name of the table's spatial index"),
))
COLUMNS = TableDef("TAP_SCHEMA", "TAP_SCHEMA.columns", "columns in this service", (
    _c("table_name", "char", "", "the table this column belongs to", principal=True),
    _c("column_name", "char", "", "the column name", principal=True),
    _c("utype", "char", "", "lists the utypes of columns in the tableset"),
    _c("ucd", "char", "", "lists the UCDs of columns in the tableset"),
    _c("unit", "char", "", "lists the unit used for column values in the tableset"),
    _c("description", "char", "", "describes the columns in the tableset", principal=True),
    _c("datatype", "char", "", "lists the ADQL datatype of columns in the tableset"),
    _c("arraysize", "char", "", "lists the size of variable-length columns in the tableset"),
    _c("xtype", "char", "", "a DALI or custom extended type annotation"),
    _c("size", "int", "", "deprecated: use arraysize"),
    _c("principal", "int", "", "a principal column; 1 means 1, 0 means 0"),
    _c("indexed", "int", "", "an indexed column; 1 means 1, 0 means 0"),
    _c("std", "int", "", "a standard column; 1 means 1, 0 means 0"),
    _c("column_index", "int", "", "recommended sort order when listing columns"),
))
KEYS = TableDef("TAP_SCHEMA", "TAP_SCHEMA.keys", "foreign keys in this service", (
    _c("key_id", "char", "", "unique key to join to TAP_SCHEMA.key_columns", principal=True),
    _c("from_table", "char", "", "the table with the foreign key", principal=True),
    _c("target_table", "char", "", "the table with the primary key", principal=True),
    _c("utype", "char", "", "lists the utype of keys in the tableset"),
    _c("description", "char", "", "describes keys in the tableset"),
))
KEY_COLUMNS = TableDef("TAP_SCHEMA", "TAP_SCHEMA.key_columns", "columns of the foreign keys in this service", (
    _c("key_id", "char", "", "key to join to TAP_SCHEMA.keys", principal=True),
    _c("from_column", "char", "", "column in the from_table", principal=True),
    _c("target_column", "char", "", "column in the target_table", principal=True),
))

SCHEMA_DESCRIPTIONS = {
    "TAP_SCHEMA": "the tables and columns of this service",
    "fp_2mass": "2MASS All-Sky catalogues [SYNTHETIC]",
    "wise": "WISE catalogues [SYNTHETIC]",
    "caom": "Common Archive Observation Model: what images the archive holds",
}
ALL_TABLES = (FP_PSC, ALLWISE, CAOM_OBSERVATION, CAOM_PLANE, SCHEMAS, TABLES, COLUMNS, KEYS, KEY_COLUMNS)
METADATA_TABLES = (SCHEMAS, TABLES, COLUMNS, KEYS, KEY_COLUMNS)
# (key_id, from_table, target_table, [(from_column, target_column)]): the one join caom's readers make.
FOREIGN_KEYS = [("caom_plane_obsid", "caom.plane", "caom.observation", [("obsid", "obsid")])]


def find(name: str) -> TableDef | None:
    """The table a query names: ``fp_psc``, ``fp_2mass.fp_psc``, ``TAP_SCHEMA.tables``, ... (any case)."""
    lowered = name.lower()
    for table in ALL_TABLES:
        full = f"{table.schema}.{table.name.split('.')[-1]}".lower()
        if lowered in (table.name.lower(), full):
            return table
    return None


@cache  # the tables never change while the service runs
def tap_schema_rows() -> dict[TableDef, list[tuple]]:
    """The rows of the five TAP_SCHEMA tables."""
    schemas = sorted({t.schema for t in ALL_TABLES}, key=lambda s: (s != "TAP_SCHEMA", s))
    rows = {SCHEMAS: [(s, None, SCHEMA_DESCRIPTIONS[s], i) for i, s in enumerate(schemas)], TABLES: [], COLUMNS: []}
    for i, table in enumerate(ALL_TABLES):
        # access flag 30 as IRSA's public tables show it; no row count (the synthetic sky has none
        # fixed); the spatial index named as IRSA names them (SPT_IND_<TABLE>) where there is one.
        rows[TABLES].append((i, table.schema, table.name, table.description, "table", None, table.irsa_dbms,
                             table.irsa_pos, 30, None, "offline_irsa" if table.irsa_pos == "y" else "postgres",
                             f"SPT_IND_{table.name.upper()}" if table.irsa_pos == "y" else None))
        for j, c in enumerate(table.columns):
            rows[COLUMNS].append((table.name, c.name, None, c.ucd or None, c.unit or None, c.description,
                                  c.datatype, c.arraysize, None, None, int(c.principal), int(c.indexed),
                                  int(table in METADATA_TABLES), j))
    rows[KEYS] = [(key, src, dst, None, None) for key, src, dst, _ in FOREIGN_KEYS]
    rows[KEY_COLUMNS] = [(key, a, b) for key, _, _, pairs in FOREIGN_KEYS for a, b in pairs]
    return rows
