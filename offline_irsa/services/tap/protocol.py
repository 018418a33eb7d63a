"""TAP over HTTP at ``/TAP``: sync, async (UWS), and the VOSI capabilities, tables and availability.

What clients send (pyvo 1.10, astroquery 0.4.11, their installed source; irsa-recorded.md "TAP"):

* sync: ``POST /TAP/sync`` form-encoded ``REQUEST=doQuery&LANG=ADQL&QUERY=...`` (+ ``MAXREC``
  when given); older clients ``GET /TAP/sync?QUERY=...``. Both are answered.
* async (pyvo ``run_async``, astroquery ``query_tap(async_job=True)``): ``GET /capabilities``
  (for the async execution duration), ``POST /async`` with the same form -> 303 to the job;
  ``GET job`` (UWS XML); ``POST job/phase PHASE=RUN`` (303 back to the job); ``GET job?WAIT=n``;
  ``GET job/results/result``; ``DELETE job`` (303 to the job list).
* ``TAPService.tables``: ``GET /tables`` then ``GET /tables/{name}`` for tables listed without columns.

Choices where the record is silent:

* an async job runs when it is told to (``PHASE=RUN``), within that request, so it is
  COMPLETED or ERROR by the time the client asks: the server's fixed thread pool already
  bounds how many run at once, and no thread outlives a request;
* at most ``MAX_JOBS`` jobs are kept, and results of at most ``MAX_RESULT_BYTES`` bytes in
  all; the oldest jobs go first (``destruction`` says when a job goes at the latest);
* REQUEST, when given, must be ``doQuery``; LANG must be ADQL (any version suffix);
  a parameter given twice is refused, as in the stand-in's SIA; QUERY may be up to
  ``MAX_QUERY_CHARS`` long; MAXREC up to ``HARD_MAXREC`` (the default is no limit, as IRSA
  documents none).
"""

from __future__ import annotations

import datetime as _dt
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from offline_irsa.services.tap import adql, output, tables

MAX_QUERY_CHARS = 100_000
MAX_PARAM_CHARS = 1_000
HARD_MAXREC = 2_000_000
MAX_JOBS = 100
MAX_RESULT_BYTES = 64 * 2**20
JOB_LIFETIME = _dt.timedelta(hours=24)
EXECUTION_DURATION_S = 600  # what the async capability advertises; pyvo waits this long at most
UWS_NS = "http://www.ivoa.net/xml/UWS/v1.0"


class RequestError(ValueError):
    """A TAP request that cannot be run; the message is what the client is told."""


def parameters(request: Request) -> dict[str, str]:
    """The request's parameters (query string and form), names upper case, each given once."""
    values: dict[str, str] = {}
    for name, value in request.values.items(multi=True):
        key = name.upper()
        if key in values:
            raise RequestError(f"{key} is given more than once; give it once")
        limit = MAX_QUERY_CHARS if key == "QUERY" else MAX_PARAM_CHARS
        if len(value) > limit:
            raise RequestError(f"{key} is longer than {limit} characters")
        values[key] = value
    return values


def response_format(params: dict[str, str]) -> str:
    requested = params.get("RESPONSEFORMAT") or params.get("FORMAT") or "votable"
    fmt = output.FORMATS.get(requested.strip().lower().replace(" ", ""))
    if fmt is None:
        raise RequestError(f"RESPONSEFORMAT {requested!r} is not supported; use one of "
                           "votable, csv, tsv, ipac_table, html, fits, json")
    return fmt


def run_query(params: dict[str, str]) -> adql.Result:
    request_kind = params.get("REQUEST", "doQuery")
    if request_kind.lower() != "doquery":
        raise RequestError(f"REQUEST must be doQuery, got {request_kind!r}")
    lang = params.get("LANG", "ADQL")
    if not lang.upper().startswith("ADQL"):
        raise RequestError(f"LANG {lang!r} is not supported; use ADQL")
    if "UPLOAD" in params:
        raise RequestError("UPLOAD is not supported by this offline stand-in")
    maxrec = None
    if params.get("MAXREC", "") != "":
        try:
            maxrec = int(params["MAXREC"])
        except ValueError:
            raise RequestError(f"MAXREC must be a whole number, got {params['MAXREC']!r}") from None
        if not 0 <= maxrec <= HARD_MAXREC:
            raise RequestError(f"MAXREC must be between 0 and {HARD_MAXREC}, got {maxrec}")
    if "QUERY" not in params:
        raise RequestError("QUERY is required: an ADQL SELECT statement")
    return adql.run(params["QUERY"], maxrec)


def _error(message: str, fmt: str) -> Response:
    return Response(output.error_votable(message), status=200 if fmt == "votable" else 400,
                    content_type=output.VOTABLE_MIME)


def sync(request: Request) -> Response:
    fmt = "votable"
    try:
        params = parameters(request)
        fmt = response_format(params)
        result = run_query(params)
    except (RequestError, adql.AdqlError) as err:
        return _error(str(err), fmt)
    try:
        body = output.render(result, fmt)
    except Exception as err:  # astropy's writers refuse some names or values (IPAC: letters, digits, _)
        return _error(f"cannot write this result as {fmt}: {type(err).__name__}: {err}", fmt)
    return Response(body, content_type=output.MIME[fmt])


# UWS: asynchronous jobs.

def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0)


def _iso(when: _dt.datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


@dataclass
class Job:
    id: str
    params: dict[str, str]
    created: _dt.datetime = field(default_factory=_now)
    phase: str = "PENDING"
    started: _dt.datetime | None = None
    ended: _dt.datetime | None = None
    result: bytes | None = None
    mime: str = output.VOTABLE_MIME
    error: str | None = None

    @property
    def destruction(self) -> _dt.datetime:
        return self.created + JOB_LIFETIME


class JobStore:
    """The async jobs, bounded in number and in the bytes of their results."""

    def __init__(self, max_jobs: int = MAX_JOBS, max_bytes: int = MAX_RESULT_BYTES) -> None:
        self.max_jobs, self.max_bytes = max_jobs, max_bytes
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._jobs)

    def create(self, params: dict[str, str]) -> Job:
        job = Job(uuid.uuid4().hex[:16], params)
        with self._lock:
            self._jobs[job.id] = job
            self._trim()
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.destruction < _now():
                del self._jobs[job_id]
                return None
            return job

    def delete(self, job_id: str) -> bool:
        with self._lock:
            return self._jobs.pop(job_id, None) is not None

    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs.values())

    def _trim(self) -> None:
        while len(self._jobs) > self.max_jobs:
            self._jobs.popitem(last=False)
        while sum(len(j.result or b"") for j in self._jobs.values()) > self.max_bytes and len(self._jobs) > 1:
            self._jobs.popitem(last=False)

    def run(self, job: Job) -> None:
        if job.phase not in ("PENDING", "QUEUED"):
            return
        job.phase, job.started = "EXECUTING", _now()
        try:
            fmt = response_format(job.params)
            result = run_query(job.params)
        except (RequestError, adql.AdqlError) as err:
            job.error, job.phase = str(err), "ERROR"
        else:
            try:
                job.result, job.mime = output.render(result, fmt), output.MIME[fmt]
                job.phase = "COMPLETED"
            except Exception as err:  # as in sync: a writer that refuses the result
                job.error, job.phase = f"cannot write this result as {fmt}: {type(err).__name__}: {err}", "ERROR"
        job.ended = _now()
        with self._lock:
            self._trim()


def job_xml(job: Job, job_url: str) -> bytes:
    def element(name: str, value) -> str:
        if value is None:
            return f'  <uws:{name} xsi:nil="true"/>\n'
        return f"  <uws:{name}>{escape(str(value))}</uws:{name}>\n"

    params = "".join(f'    <uws:parameter id="{escape(k.lower())}">{escape(v)}</uws:parameter>\n'
                     for k, v in job.params.items())
    results = (f'    <uws:result id="result" xlink:href="{escape(job_url)}/results/result"/>\n'
               if job.phase == "COMPLETED" else "")
    error = (f'  <uws:errorSummary type="fatal" hasDetail="true">\n'
             f"    <uws:message>{escape(job.error)}</uws:message>\n  </uws:errorSummary>\n" if job.error else "")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<uws:job xmlns:uws="{UWS_NS}" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" version="1.1">\n'
        + element("jobId", job.id) + element("runId", job.params.get("RUNID")) + element("ownerId", None)
        + element("phase", job.phase) + element("quote", None) + element("creationTime", _iso(job.created))
        + element("startTime", _iso(job.started)) + element("endTime", _iso(job.ended))
        + element("executionDuration", EXECUTION_DURATION_S) + element("destruction", _iso(job.destruction))
        + f"  <uws:parameters>\n{params}  </uws:parameters>\n"
        + f"  <uws:results>\n{results}  </uws:results>\n" + error + "</uws:job>\n"
    ).encode()


def _xml(body: bytes | str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/xml; charset=UTF-8")


def async_endpoint(request: Request, store: JobStore, base: str, job_id: str | None, part: str | None) -> Response:
    """Everything under /TAP/async: the job list, a job, and a job's parts."""
    async_url = f"{base}/async"
    if job_id is None:
        if request.method == "POST":
            try:
                params = parameters(request)
            except RequestError as err:
                return _error(str(err), "votable")
            phase = params.pop("PHASE", "").upper()
            job = store.create(params)
            if phase == "RUN":
                store.run(job)
            return redirect(f"{async_url}/{job.id}", code=303)
        listing = "".join(f'  <uws:jobref id="{j.id}" xlink:href="{async_url}/{j.id}">'
                          f"<uws:phase>{j.phase}</uws:phase></uws:jobref>\n" for j in store.jobs())
        return _xml(f'<?xml version="1.0" encoding="UTF-8"?>\n<uws:jobs xmlns:uws="{UWS_NS}" '
                    f'xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1">\n{listing}</uws:jobs>\n')
    job = store.get(job_id)
    if job is None:
        return Response(f"No such job: {job_id} (it may have been deleted or expired)\n", status=404,
                        mimetype="text/plain")
    job_url = f"{async_url}/{job.id}"
    params = {k.upper(): v for k, v in request.form.items()}
    if part is None:
        if request.method == "DELETE" or (request.method == "POST" and params.get("ACTION", "").upper() == "DELETE"):
            store.delete(job.id)
            return redirect(async_url, code=303)
        return _xml(job_xml(job, job_url))  # WAIT: the job never waits in a running phase, so answer at once
    if part == "phase":
        if request.method == "POST":
            phase = params.get("PHASE", "").upper()
            if phase == "RUN":
                store.run(job)
            elif phase == "ABORT":
                if job.phase in ("PENDING", "QUEUED", "EXECUTING"):
                    job.phase = "ABORTED"
            else:
                return Response(f"PHASE must be RUN or ABORT, got {params.get('PHASE')!r}\n", status=400,
                                mimetype="text/plain")
            return redirect(job_url, code=303)
        return Response(job.phase, mimetype="text/plain")
    if part == "results/result":
        if job.result is None:
            return Response(f"Job {job.id} has no result (phase {job.phase})\n", status=404, mimetype="text/plain")
        return Response(job.result, content_type=job.mime)
    if part == "error":
        if job.error is None:
            return Response(f"Job {job.id} has no error (phase {job.phase})\n", status=404, mimetype="text/plain")
        return Response(output.error_votable(job.error), content_type=output.VOTABLE_MIME)
    simple = {"executionduration": str(EXECUTION_DURATION_S), "destruction": _iso(job.destruction),
              "quote": "", "owner": ""}
    if part in simple:
        return Response(simple[part], mimetype="text/plain")
    if part in ("parameters", "results"):
        whole = job_xml(job, job_url).decode()
        start, end = whole.index(f"<uws:{part}>"), whole.index(f"</uws:{part}>") + len(f"</uws:{part}>")
        return _xml('<?xml version="1.0" encoding="UTF-8"?>\n'
                    + whole[start:end].replace(f"<uws:{part}>", f'<uws:{part} xmlns:uws="{UWS_NS}" '
                                               'xmlns:xlink="http://www.w3.org/1999/xlink">', 1))
    return Response(f"Not found: {request.path}\n", status=404, mimetype="text/plain")


# VOSI.

GEOMETRY_FORMS = ("POINT", "CIRCLE", "BOX", "POLYGON", "CONTAINS", "INTERSECTS", "DISTANCE", "COORD1", "COORD2")


def capabilities(base: str) -> Response:
    geometry = "".join(f"          <feature><form>{form}</form></feature>\n" for form in GEOMETRY_FORMS)
    formats = "".join(f"    <outputFormat><mime>{mime}</mime><alias>{alias}</alias></outputFormat>\n"
                      for alias, mime in (("votable", "application/x-votable+xml"), ("csv", "text/csv"),
                                          ("tsv", "text/tab-separated-values"), ("ipac_table", "text/plain"),
                                          ("html", "text/html"), ("fits", "application/fits"),
                                          ("json", "application/json")))
    vosi = "".join(
        f'  <capability standardID="ivo://ivoa.net/std/VOSI#{name}">\n'
        f'    <interface xsi:type="vs:ParamHTTP" role="std">\n'
        f'      <accessURL use="full">{escape(base)}/{name}</accessURL>\n    </interface>\n  </capability>\n'
        for name in ("capabilities", "availability", "tables"))
    return _xml(f"""<?xml version="1.0" encoding="UTF-8"?>
<vosi:capabilities xmlns:vosi="http://www.ivoa.net/xml/VOSICapabilities/v1.0"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1"
    xmlns:tr="http://www.ivoa.net/xml/TAPRegExt/v1.0">
  <capability standardID="ivo://ivoa.net/std/TAP" xsi:type="tr:TableAccess">
    <interface xsi:type="vs:ParamHTTP" role="std" version="1.1">
      <accessURL use="base">{escape(base)}</accessURL>
    </interface>
    <language>
      <name>ADQL</name>
      <version ivo-id="ivo://ivoa.net/std/ADQL#v2.0">2.0</version>
      <description>ADQL 2.0, read by sqlglot and run on SQLite (offline stand-in)</description>
      <languageFeatures type="ivo://ivoa.net/std/TAPRegExt#features-adqlgeo">
{geometry}      </languageFeatures>
    </language>
{formats}    <retentionPeriod><default>{int(JOB_LIFETIME.total_seconds())}</default></retentionPeriod>
    <executionDuration><default>{EXECUTION_DURATION_S}</default></executionDuration>
    <outputLimit><hard unit="row">{HARD_MAXREC}</hard></outputLimit>
  </capability>
{vosi}</vosi:capabilities>
""")


def availability() -> Response:
    return _xml("""<?xml version="1.0" encoding="UTF-8"?>
<vosi:availability xmlns:vosi="http://www.ivoa.net/xml/VOSIAvailability/v1.0">
  <vosi:available>true</vosi:available>
  <vosi:note>offline_irsa TAP stand-in is accepting queries (synthetic data)</vosi:note>
</vosi:availability>
""")


def _table_xml(table: tables.TableDef, with_columns: bool, indent: str = "    ", root: bool = False) -> str:
    namespaces = (' xmlns:vosi="http://www.ivoa.net/xml/VOSITables/v1.0" '
                  'xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" '
                  'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"') if root else ""
    tag = "vosi:table" if root else "table"
    lines = [f'{indent}<{tag}{namespaces} type="table">', f"{indent}  <name>{escape(table.name)}</name>",
             f"{indent}  <description>{escape(table.description)}</description>"]
    if with_columns:
        for c in table.columns:
            lines += [f"{indent}  <column>", f"{indent}    <name>{escape(c.name)}</name>",
                      f"{indent}    <description>{escape(c.description)}</description>"]
            if c.unit:
                lines.append(f"{indent}    <unit>{escape(c.unit)}</unit>")
            if c.ucd:
                lines.append(f"{indent}    <ucd>{escape(c.ucd)}</ucd>")
            size = f' arraysize="{c.arraysize}"' if c.arraysize else ""
            lines.append(f'{indent}    <dataType xsi:type="vs:VOTableType"{size}>{c.datatype}</dataType>')
            if c.indexed:
                lines.append(f"{indent}    <flag>indexed</flag>")
            if c.principal:
                lines.append(f"{indent}    <flag>principal</flag>")
            lines.append(f"{indent}  </column>")
    lines.append(f"{indent}</{tag}>")
    return "\n".join(lines) + "\n"


def tableset(request: Request, name: str | None) -> Response:
    """VOSI tables: all of them (``detail=min`` leaves the columns out), or one by name."""
    if name is not None:
        table = tables.find(name)
        if table is None:
            return Response(f"No such table: {name}\n", status=404, mimetype="text/plain")
        return _xml('<?xml version="1.0" encoding="UTF-8"?>\n' + _table_xml(table, True, "", root=True))
    with_columns = request.args.get("detail", "max").lower() != "min"
    body = ['<?xml version="1.0" encoding="UTF-8"?>',
            '<vosi:tableset xmlns:vosi="http://www.ivoa.net/xml/VOSITables/v1.0" '
            'xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">']
    for schema in dict.fromkeys(t.schema for t in tables.ALL_TABLES):
        body += ["  <schema>", f"    <name>{escape(schema)}</name>",
                 f"    <description>{escape(tables.SCHEMA_DESCRIPTIONS[schema])}</description>"]
        body += [_table_xml(t, with_columns).rstrip("\n") for t in tables.ALL_TABLES if t.schema == schema]
        body.append("  </schema>")
    body.append("</vosi:tableset>")
    return _xml("\n".join(body) + "\n")


class TAPService:
    """The service's state (its async jobs) and its routing below /TAP."""

    def __init__(self) -> None:
        self.jobs = JobStore()

    def respond(self, request: Request, path: str) -> Response:
        base = request.host_url.rstrip("/") + "/TAP"
        path = path.strip("/")
        if path == "sync":
            return sync(request)
        if path == "capabilities":
            return capabilities(base)
        if path == "availability":
            return availability()
        if path == "tables":
            return tableset(request, None)
        if path.startswith("tables/"):
            return tableset(request, path[len("tables/"):])
        if path == "async":
            return async_endpoint(request, self.jobs, base, None, None)
        if path.startswith("async/"):
            job_id, _, part = path[len("async/"):].partition("/")
            return async_endpoint(request, self.jobs, base, job_id, part or None)
        if path == "":
            return Response("IRSA TAP (offline stand-in): sync, async, capabilities, tables, availability\n",
                            mimetype="text/plain")
        return Response(f"Not found: {request.path}\n", status=404, mimetype="text/plain")
