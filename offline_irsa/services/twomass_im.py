"""IRSA's older 2MASS image service under ``/cgi-bin/2MASS/IM``: its SIA, its images, its previews.

``nph-im_sia?type=at&ds=asky&POS=ra,dec&SIZE=deg`` is the SIA IRSA's own 2MASS tutorial used
through pyvo's ``SIAService`` for two years. Its answer follows the record
(irsa-recorded.md, "IRSA's older 2MASS SIA"): 32 columns in IRSA's order with IRSA's units,
for every atlas image a FITS row and an HTML preview row, titles like ``All-Sky Release
Survey J-Band Atlas Image: 000616 n 060 0256``, and download URLs
``https://irsa.ipac.caltech.edu:443/cgi-bin/2MASS/IM/nph-im?ds=asky&atdir=...&dh=...&scan=...
&name=...`` (the image) and ``nph-im_key?ds=asky&key=...&band=...`` (the preview page),
both served here. Every value comes from the image record (surveys/twomass/images.py) SIA v1 and v2 use.

Choices where the record is silent:

* the region is SIA v1's: a box of SIZE degrees (one value, or width,height) at POS, images
  that overlap it; ``SIZE`` defaults to 0, a point; the most is 10 degrees, as for SIA v1;
* only ``type=at`` (atlas images) and ``ds=asky`` (All-Sky release) are served; another
  value is refused; ``FORMAT`` is ``ALL`` (the default), ``image/fits`` (FITS rows),
  ``text/html`` (preview rows) or ``METADATA`` (no rows); other parameters (pyvo's ``VERB``)
  are ignored;
* UCD1 words as IRSA's SIA v1 writes them, on the columns pyvo's ``SIARecord`` reads
  (``name``, ``download``, ``center_ra``/``center_dec``, ``naxes``, ``naxis``, ``scale``,
  ``format``, ``band``...), so that ``getdataurl()`` gives ``download`` and ``pos`` the centre;
* rows nearest image centre first, J, H, K for each image, the FITS row before its preview;
* ``band`` is J, H or K, as SIA v1's ``sia_bp_id``; ``id``, ``scntr`` and ``bin`` are null;
* ``atdir`` is written ``/ti08`` for every image (how IRSA's disks hold the images is not
  recorded) and is not checked when read: ``dh``, ``scan`` and ``name`` find the image;
* ``nph-im`` answers the uncompressed FITS file (``name`` ends in ``.fits``): byte for byte
  IBE's gzipped file once unzipped, so the same pixels and header;
* ``nph-im_key`` answers a small HTML page naming the image set and linking its FITS file;
  ``nph-art`` (``pers_art``, ``glint_art``) is not served;
* errors are a VOTable with QUERY_STATUS=ERROR (HTTP 200), as SIA v1's.
"""

from __future__ import annotations

import html
import re

import numpy as np
from astropy.io.votable.tree import Field, Resource, TableElement, VOTableFile
from werkzeug.wrappers import Request, Response

from offline_irsa.services.params import ParameterError, single_values
from offline_irsa.services.sia import VOTABLE_MIME, QueryError, _info, _xml, error_votable, parse_pos, parse_size
from offline_irsa.surveys.twomass import files
from offline_irsa.surveys.twomass.bands import BANDS
from offline_irsa.surveys.twomass.images import PUBLIC_BASE, AtlasImage
from offline_irsa.surveys.twomass.regions import find_tiles
from offline_irsa.surveys.twomass.tiling import AtlasTile

PATH = "/cgi-bin/2MASS/IM"
PUBLIC_ROOT = f"{PUBLIC_BASE}:443{PATH}"  # the record's URLs name the port
TITLE_PREFIX = "All-Sky Release Survey"
ATDIR = "/ti08"
FORMATS = ("all", "image/fits", "text/html", "metadata")

COLUMNS = [  # name, datatype, arraysize, unit, UCD1
    ("name", "char", "*", None, "VOX:Image_Title"),
    ("download", "char", "*", None, "VOX:Image_AccessReference"),
    ("center_ra", "double", None, "deg", "POS_EQ_RA_MAIN"),
    ("center_dec", "double", None, "deg", "POS_EQ_DEC_MAIN"),
    ("naxes", "int", None, None, "VOX:Image_Naxes"),
    ("naxis", "int", "*", None, "VOX:Image_Naxis"),
    ("scale", "double", "*", "deg", "VOX:Image_Scale"),
    ("format", "char", "*", None, "VOX:Image_Format"),
    ("crpix", "double", "*", None, "VOX:WCS_CoordRefPixel"),
    ("crval", "double", "*", "deg", "VOX:WCS_CoordRefValue"),
    ("crota2", "double", None, "deg", None),
    ("band", "char", "*", None, "VOX:BandPass_ID"),
    ("bref", "double", None, "m", "VOX:BandPass_RefValue"),  # written "meters": see IRSA_UNITS
    ("bhi", "double", None, "m", "VOX:BandPass_HiLimit"),
    ("blo", "double", None, "m", "VOX:BandPass_LoLimit"),
    ("pers_art", "char", "*", None, None),
    ("glint_art", "char", "*", None, None),
    ("type", "char", "*", None, None),
    ("dataset", "char", "*", None, None),
    ("pixflags", "char", "*", None, "VOX:Image_PixFlags"),
    ("id", "int", None, None, None),
    ("scntr", "int", None, None, None),
    ("date", "char", "*", None, None),
    ("hem", "char", "*", None, None),
    ("scan", "int", None, None, None),
    ("image", "int", None, None, None),
    ("ut_date", "char", "*", None, None),
    ("coadd_key", "int", None, None, None),
    ("seesh", "double", None, "arcsec", None),  # written "arcseconds"
    ("magzp", "double", None, None, None),
    ("msnr10", "double", None, None, None),
    ("bin", "int", None, None, None),
]
NULLS = {"id", "scntr", "bin"}
# IRSA spells these units "meters" and "arcseconds". astropy takes 10 ms a request to refuse those
# spellings when a FIELD is made, so the FIELDs are made with the standard ones and the
# document is written with IRSA's (only these columns have these units).
IRSA_UNITS = {b'unit="m"': b'unit="meters"', b'unit="arcsec"': b'unit="arcseconds"'}


def title(image: AtlasImage) -> str:
    return f"{TITLE_PREFIX} {image.band_name}-Band Atlas Image: {image.set_label}"


def image_url(image: AtlasImage) -> str:
    name = image.fname.removesuffix(".gz")
    return (f"{PUBLIC_ROOT}/nph-im?ds=asky&atdir={ATDIR}&dh={image.ordate}{image.hemisphere}"
            f"&scan={image.scanno:03d}&name={name}")


def preview_url(image: AtlasImage) -> str:
    return f"{PUBLIC_ROOT}/nph-im_key?ds=asky&key={image.coadd_key}&band={image.band_name}"


def artifact_url(image: AtlasImage, kind: str) -> str:
    return (f"{PUBLIC_ROOT}/nph-art?arttype={kind}&ds=asky&date={image.ordate}&hem={image.hemisphere}"
            f"&scan={image.scanno:03d}")


def _row(image: AtlasImage, download: str, fmt: str) -> dict:
    band = image.band_info
    return {
        "name": title(image), "download": download, "center_ra": image.center[0], "center_dec": image.center[1],
        "naxes": 2, "naxis": np.array(image.naxis), "scale": np.array(image.cdelt), "format": fmt,
        "crpix": np.array(image.crpix), "crval": np.array(image.crval), "crota2": image.crota2,
        "band": image.band_name, "bref": band.wavelength, "bhi": band.hi, "blo": band.lo,
        "pers_art": artifact_url(image, "pers"), "glint_art": artifact_url(image, "glint"), "type": "A",
        "dataset": "asky", "pixflags": "CZ", "date": image.ordate, "hem": image.hemisphere, "scan": image.scanno,
        "image": image.image_number, "ut_date": image.ut_date, "coadd_key": image.coadd_key, "seesh": image.seesh,
        "magzp": image.magzp, "msnr10": image.msnr10,
    }


def search(params: dict[str, str]) -> list[dict]:
    for name, wanted in (("TYPE", "at"), ("DS", "asky")):
        if params.get(name, wanted) != wanted:
            raise QueryError(f"{name.lower()}={params[name]!r} is not served: only type=at&ds=asky "
                             "(2MASS All-Sky Release atlas images)")
    fmt = params.get("FORMAT", "ALL").lower()
    if fmt not in FORMATS:
        raise QueryError(f"FORMAT must be ALL, image/fits, text/html or METADATA, got {params['FORMAT']!r}")
    if fmt == "metadata":
        return []
    if "POS" not in params:
        raise QueryError("POS is required, e.g. POS=314.30417,77.595559")
    ra, dec = parse_pos(params["POS"])
    width, height = parse_size(params.get("SIZE"))
    rows = []
    for tile in find_tiles(ra, dec, width, height, "OVERLAPS"):
        for band in BANDS:
            image = AtlasImage(tile, band)
            if fmt in ("all", "image/fits"):
                rows.append(_row(image, image_url(image), "image/fits"))
            if fmt in ("all", "text/html"):
                rows.append(_row(image, preview_url(image), "text/html"))
    return rows


def results_votable(rows: list[dict]) -> VOTableFile:
    # VOTable 1.3, where an integer cell may be empty: the record's null ``id`` and ``scntr``.
    votable = VOTableFile(version="1.3")
    resource = Resource(type="results")
    resource.infos.append(_info("QUERY_STATUS", "OK"))
    resource.infos.append(_info("DATA_ORIGIN", "synthetic",
                                "Offline stand-in for IRSA's 2MASS image service: synthetic images, not 2MASS data."))
    votable.resources.append(resource)
    table = TableElement(votable)
    resource.tables.append(table)
    for name, datatype, arraysize, unit, ucd in COLUMNS:
        table.fields.append(Field(votable, name=name, datatype=datatype, arraysize=arraysize, unit=unit, ucd=ucd))
    table.create_arrays(len(rows))
    for i, row in enumerate(rows):
        table.array[i] = tuple(0 if c[0] in NULLS else row[c[0]] for c in COLUMNS)
        table.array.mask[i] = tuple(c[0] in NULLS for c in COLUMNS)
    return votable


def respond_sia(request: Request) -> Response:
    try:
        rows = search(single_values(request.values))
    except ParameterError as err:
        return Response(error_votable(str(err)), status=200, content_type=VOTABLE_MIME)
    body = _xml(results_votable(rows))
    for standard, irsas in IRSA_UNITS.items():
        body = body.replace(standard, irsas)
    return Response(body, content_type=VOTABLE_MIME)


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


NAME = re.compile(r"^(?P<band>[jhk])i(?P<scan>\d{3})\d{4}\.fits$")


def respond_image(request: Request) -> Response:
    """``nph-im``: the atlas image named by ``dh``, ``scan`` and ``name``, as uncompressed FITS."""
    try:
        params = single_values(request.args, case="lower")
    except ParameterError as err:
        return _text(f"Bad request: {err}", 400)
    if params.get("ds", "asky") != "asky":
        return _text("Not found: only ds=asky is served", 404)
    match = NAME.match(params.get("name", ""))
    if not match or match["scan"] != params.get("scan"):
        return _text("Bad request: give dh, scan and a name like ji0600256.fits", 400)
    try:
        image = AtlasImage.from_ibe_path(f"{params.get('dh', '')}/s{params['scan']}/image/{params['name']}.gz")
    except ValueError as err:
        return _text(f"Not found: {err}", 404)
    body = files.image_bytes(image.tile, image.band, compress=False)
    return Response(body, mimetype="image/fits", headers={
        "Content-Disposition": f'attachment; filename="{params["name"]}"', "X-Data-Origin": "synthetic"})


PREVIEW_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title></head>
<body>
<h1>{title}</h1>
<p>Offline stand-in for IRSA's 2MASS image preview: synthetic image, not 2MASS data. No preview picture is drawn.</p>
<table>
<tr><th>Image centre (RA, Dec, deg)</th><td>{ra:.6f} {dec:.6f}</td></tr>
<tr><th>Band</th><td>{band}</td></tr>
<tr><th>Size (pixels)</th><td>{nx} x {ny}</td></tr>
<tr><th>coadd_key</th><td>{key}</td></tr>
</table>
<p><a href="{fits}">FITS image</a> &middot; <a href="{ibe}">the same image from IBE</a></p>
</body></html>
"""


def respond_key(request: Request) -> Response:
    """``nph-im_key``: a small HTML page about one image, named by ``key`` (coadd_key) and ``band``."""
    try:
        params = single_values(request.args, case="lower")
        band = params.get("band", "")
        if band.lower() not in BANDS or len(band) != 1 or not params.get("key", "").isdigit():
            raise ParameterError("give key (a coadd_key) and band (J, H or K)")
        image = AtlasImage(AtlasTile.from_coadd_key(int(params["key"])), band.lower())
    except ParameterError as err:
        return _text(f"Bad request: {err}", 400)
    except ValueError as err:
        return _text(f"Not found: {err}", 404)
    page = PREVIEW_PAGE.format(
        title=html.escape(title(image)), ra=image.center[0], dec=image.center[1], band=image.band_name,
        nx=image.naxis[0], ny=image.naxis[1], key=image.coadd_key,
        fits=html.escape(image_url(image)), ibe=html.escape(image.url))
    return Response(page, mimetype="text/html")

