"""ADQL to SQLite: parse with sqlglot, rewrite tables and geometry, run on an in-memory database.

Engine: SQLite (the standard library's ``sqlite3``, in memory), chosen over DuckDB because
it needs no wheel or extra dependency, takes Python functions (UDFs) for the geometry
called once per row of the few rows a query's sky holds, and opens a fresh database per
query in well under a millisecond, so queries share nothing and need no lock.

Parser: sqlglot, reading the T-SQL dialect, which has ADQL's ``TOP n`` as well as ``||``
and schema-qualified names; the query is then walked and rewritten as a tree and written
out as SQLite. Nothing reads the query text with regular expressions.

What a query is allowed: one SELECT (UNION, joins, subqueries and CTEs included), only the
tables of ``tables.ALL_TABLES``; SQLite's authorizer refuses anything else, and a progress
handler stops a query after ``TIME_LIMIT_S`` seconds.

Catalogue rows (``fp_psc``, ``allwise_p3as_psd``: ``tables.CATALOGS``) are made for the query: its
WHERE clause must hold, joined by AND at the
top, a CONTAINS or INTERSECTS of ``POINT(ra, dec)`` with a constant CIRCLE, BOX or POLYGON,
or ``DISTANCE(POINT(ra, dec), POINT(...)) < r``; the smallest such region (as a cap of at
most ``catalog.MAX_RADIUS_DEG``) is loaded, and the query itself then selects exactly.
A query with no such limit is refused with a message saying so. Choice: IRSA answers one
(we found 10,640 rows of one, in no stated order), but the stand-in's catalogue is made for
the sky asked about, and "the first N rows of the sky" has no order to copy; refusing is
honest and tells the reader what to add.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, SqlglotError

from offline_irsa.services.tap import allwise, catalog, geometry, tables
from offline_irsa.services.tap.collections import caom_rows

READ = "tsql"
TIME_LIMIT_S = 30.0
# Cells (rows x columns) one answer may hold, whatever MAXREC says: a cross join of TAP_SCHEMA
# with itself must not fill the stand-in's memory. 2 million cells is about 33,000 rows of all of
# fp_psc's columns, more than a half-degree cone holds even in the Galactic plane (about 25,000);
# beyond it the answer is cut and says OVERFLOW, as a MAXREC cut does.
MAX_CELLS = 2_000_000
GEOMETRY_FUNCTIONS = ("POINT", "CIRCLE", "BOX", "POLYGON", "CONTAINS", "INTERSECTS", "DISTANCE", "COORD1", "COORD2")
# IRSA's parser has no AREA, CENTROID or REGION; its non-standard ELLIPSE is not offered here (no reader uses it).
REFUSED_FUNCTIONS = {"AREA": "IRSA's ADQL has no AREA", "CENTROID": "IRSA's ADQL has no CENTROID",
                     "REGION": "IRSA's ADQL has no REGION",
                     "ELLIPSE": "IRSA's non-standard ELLIPSE is not offered by this offline stand-in"}


class AdqlError(ValueError):
    """A query the service refuses; the message is what the client is told."""


@dataclass
class Result:
    names: list[str]
    rows: list[tuple]
    columns: list[tables.Column | None]  # what each output column is, where it is a table's column
    overflow: bool


def _syntax_error(err: ParseError, query: str) -> AdqlError:
    first = err.errors[0] if err.errors else {}
    line, col = first.get("line"), first.get("col")
    token = first.get("highlight") or ""
    where = f"line {line}, column {col}" if line else "somewhere"
    description = first.get("description") or str(err)
    return AdqlError(f'ADQL syntax error at {where}: {description} here: "{token}"')


def parse(query: str) -> exp.Expression:
    if not query or not query.strip():
        raise AdqlError("QUERY is empty: give an ADQL SELECT statement")
    try:
        statements = sqlglot.parse(query, read=READ)
    except ParseError as err:
        raise _syntax_error(err, query) from None
    except SqlglotError as err:
        raise AdqlError(f"ADQL syntax error: {err}") from None
    statements = [s for s in statements if s is not None]
    if len(statements) != 1:
        raise AdqlError("QUERY must hold exactly one SELECT statement")
    tree = statements[0]
    if not isinstance(tree, exp.Query):
        raise AdqlError(f"only SELECT queries are allowed, not {tree.key.upper()}")
    return _normalise(tree)


def _function_name(node: exp.Expression) -> str | None:
    if isinstance(node, exp.Anonymous):
        return str(node.this).upper()
    return None


def _literal(node: exp.Expression):
    """A constant argument's value (number, string, negative number); raises ValueError otherwise."""
    if isinstance(node, exp.Paren):
        return _literal(node.this)
    if isinstance(node, exp.Neg):
        return -_literal(node.this)
    if isinstance(node, exp.Literal):
        return node.this if node.is_string else float(node.this)
    if isinstance(node, exp.Null):
        return None
    raise ValueError("not a constant")


def constant_shape(node: exp.Expression) -> geometry.Shape | None:
    """The shape a constant POINT/CIRCLE/BOX/POLYGON call makes, or None if it is not constant."""
    name = _function_name(node)
    if name not in geometry.CONSTRUCTORS:
        return None
    try:
        args = [_literal(a) for a in node.expressions]
    except ValueError:
        return None
    return geometry.CONSTRUCTORS[name](*args)


def _is_position_point(node: exp.Expression, aliases: set[str]) -> bool:
    """POINT([frame,] ra, dec) on the columns of a catalogue (under any of its aliases)."""
    if _function_name(node) != "POINT":
        return False
    cols = [a for a in node.expressions if isinstance(a, exp.Column)]
    if len(cols) != 2 or [c.name.lower() for c in cols] != ["ra", "dec"]:
        return False
    return all(not c.table or c.table.lower() in aliases for c in cols)


def _conjuncts(node: exp.Expression | None) -> list[exp.Expression]:
    if node is None:
        return []
    if isinstance(node, exp.Paren):
        return _conjuncts(node.this)
    if isinstance(node, exp.And):
        return _conjuncts(node.left) + _conjuncts(node.right)
    return [node]


def _cap_of(predicate: exp.Expression, aliases: set[str]) -> tuple[geometry.Vector, float] | None:
    """The sky region a top-level predicate limits a catalogue to, as (centre, radius deg), or None."""
    node = predicate
    if isinstance(node, exp.EQ):  # CONTAINS(...) = 1, or 1 = CONTAINS(...)
        for fn, other in ((node.left, node.right), (node.right, node.left)):
            if _function_name(fn) in ("CONTAINS", "INTERSECTS") and isinstance(other, exp.Literal) \
                    and other.this == "1":
                node = fn
                break
    name = _function_name(node)
    if name in ("CONTAINS", "INTERSECTS") and len(node.expressions) == 2:
        first, second = node.expressions
        if name == "INTERSECTS" and _is_position_point(second, aliases):
            first, second = second, first
        if _is_position_point(first, aliases):
            shape = constant_shape(second)
            if shape is not None:
                return shape.cap()
    comparisons = {exp.LT: "left", exp.LTE: "left", exp.GT: "right", exp.GTE: "right"}
    side = comparisons.get(type(node))
    if side:
        fn, limit = (node.left, node.right) if side == "left" else (node.right, node.left)
        if _function_name(fn) == "DISTANCE" and len(fn.expressions) == 2:
            a, b = fn.expressions
            if _is_position_point(b, aliases):
                a, b = b, a
            shape = constant_shape(b)
            try:
                radius = _literal(limit)
            except ValueError:
                return None
            if _is_position_point(a, aliases) and isinstance(shape, geometry.Point) and isinstance(radius, float):
                return shape.v, radius
    return None


def fp_psc_region(select: exp.Select, aliases: set[str]) -> tuple[float, float, float] | None:
    """(ra, dec, radius) of the smallest cap the SELECT's WHERE limits a catalogue to, or None."""
    where = select.args.get("where")
    caps = [c for c in (_cap_of(p, aliases) for p in _conjuncts(where.this if where else None)) if c]
    if not caps:
        return None
    centre, radius = min(caps, key=lambda c: c[1])
    return (*geometry.radec(centre), radius)


def _check_functions(tree: exp.Expression) -> None:
    for node in tree.find_all(exp.Anonymous):
        name = _function_name(node)
        if name in REFUSED_FUNCTIONS:
            raise AdqlError(f"{name} is not supported by this service ({REFUSED_FUNCTIONS[name]})")


def _rewrite_geometry(tree: exp.Expression) -> exp.Expression:
    """ADQL geometry calls become calls of the UDFs ``register`` defines (deepest first, in place)."""
    for node in reversed(list(tree.find_all(exp.Anonymous))):
        name = _function_name(node)
        args = list(node.expressions)
        if name in ("CONTAINS", "INTERSECTS") and len(args) == 2 and _function_name(args[0]) == "ADQL_POINT":
            point_args = list(args[0].expressions)  # the common case: no text shape made per row
            node.set("this", f"adql_point_{name.lower()}")
            node.set("expressions", [*point_args, args[1]])
        elif name in GEOMETRY_FUNCTIONS:
            node.set("this", f"adql_{name.lower()}")
            node.set("expressions", _frame_first(args) if name in geometry.CONSTRUCTORS else args)
    return tree


def _normalise(tree: exp.Expression) -> exp.Expression:
    """sqlglot reads CONTAINS as its own node; make it a plain call like the other ADQL functions."""
    for node in reversed(list(tree.find_all(exp.Contains))):
        node.replace(exp.Anonymous(this="CONTAINS", expressions=[node.this, node.expression]))
    for node in reversed(list(tree.find_all(exp.Trunc))):  # ADQL TRUNCATE(x, n): SQLite has no such function
        args = [a for a in (node.this, node.args.get("decimals")) if a is not None]
        node.replace(exp.Anonymous(this="adql_truncate", expressions=args))
    return tree


def _name_projections(tree: exp.Expression) -> None:
    """Give each unnamed computed output column a plain name: ``COUNT(*)`` becomes ``count``.

    Choice (IRSA's naming is not recorded): the function's name in lower case, else ``col<n>``,
    made unique with ``_<n>``; every output format then takes the name (IPAC allows only
    letters, digits and _ in one).
    """
    select = tree if isinstance(tree, exp.Select) else next(iter(tree.find_all(exp.Select)), None)
    if select is None:
        return
    taken = {e.alias_or_name.lower() for e in select.expressions if isinstance(e, (exp.Alias, exp.Column))}
    for i, projection in enumerate(list(select.expressions)):
        if isinstance(projection, (exp.Alias, exp.Column, exp.Star)):
            continue
        if isinstance(projection, exp.Anonymous):
            base = str(projection.this).lower()
        elif isinstance(projection, exp.Func):
            base = projection.key.lower()
        else:
            base = f"col{i + 1}"
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(name)
        projection.replace(exp.alias_(projection.copy(), name, quoted=True))


def _frame_first(args: list[exp.Expression]) -> list[exp.Expression]:
    """Constructor arguments with the frame always first (NULL when the query leaves it out)."""
    if args and isinstance(args[0], exp.Literal) and args[0].is_string:
        return list(args)
    return [exp.Null(), *args]


_udf_errors = threading.local()  # sqlite3 does not pass a UDF's exception on: keep its message here


def _udf(function):
    def call(*args):
        try:
            return function(*args)
        except (TypeError, ValueError) as err:
            _udf_errors.message = str(err)
            raise
    return call


def _constructor(kind: str):
    make = geometry.CONSTRUCTORS[kind]

    def build(frame, *args):
        if any(a is None for a in args):
            return None
        return geometry.encode(make(frame if frame is not None else "", *args))
    return build


def _point_predicate(test):
    def predicate(frame, lon, lat, shape):
        if lon is None or lat is None or shape is None:
            return None
        p = geometry.Point(geometry.frame_name(frame), float(lon), float(lat))
        return int(test(p, geometry.decode_or_error(shape)))
    return predicate


def _shapes(test):
    def predicate(a, b):
        if a is None or b is None:
            return None
        return test(geometry.decode_or_error(a), geometry.decode_or_error(b))
    return predicate


def _coord(index: int):
    def coord(value):
        if value is None:
            return None
        shape = geometry.decode_or_error(value)
        if not isinstance(shape, geometry.Point):
            raise geometry.GeometryError(f"COORD{index + 1} takes a POINT")
        return (shape.lon, shape.lat)[index]
    return coord


def _truncate(value, decimals=0):
    if value is None or decimals is None:
        return None
    scale = 10.0 ** int(decimals)
    return math.trunc(float(value) * scale) / scale


def register(connection: sqlite3.Connection) -> None:
    for kind in geometry.CONSTRUCTORS:
        connection.create_function(f"adql_{kind.lower()}", -1, _udf(_constructor(kind)), deterministic=True)
    connection.create_function("adql_point_contains", 4, _udf(_point_predicate(geometry.contains)),
                               deterministic=True)
    connection.create_function("adql_point_intersects", 4, _udf(_point_predicate(geometry.intersects)),
                               deterministic=True)
    connection.create_function("adql_contains", 2, _udf(_shapes(lambda a, b: int(geometry.contains(a, b)))),
                               deterministic=True)
    connection.create_function("adql_intersects", 2, _udf(_shapes(lambda a, b: int(geometry.intersects(a, b)))),
                               deterministic=True)
    connection.create_function("adql_distance", 2, _udf(_shapes(geometry.distance)), deterministic=True)
    connection.create_function("adql_coord1", 1, _udf(_coord(0)), deterministic=True)
    connection.create_function("adql_coord2", 1, _udf(_coord(1)), deterministic=True)
    connection.create_function("adql_truncate", -1, _udf(_truncate), deterministic=True)
    # ADQL's maths that SQLite may lack (its math functions are a compile-time option).
    for name, fn, n in (("radians", math.radians, 1), ("degrees", math.degrees, 1), ("sin", math.sin, 1),
                        ("cos", math.cos, 1), ("tan", math.tan, 1), ("asin", math.asin, 1), ("acos", math.acos, 1),
                        ("atan", math.atan, 1), ("atan2", math.atan2, 2), ("sqrt", math.sqrt, 1),
                        ("log", math.log, 1), ("log10", math.log10, 1), ("exp", math.exp, 1),
                        ("power", math.pow, 2), ("pi", lambda: math.pi, 0), ("floor", math.floor, 1),
                        ("ceiling", math.ceil, 1), ("mod", math.fmod, 2)):
        connection.create_function(name, n, _udf(lambda *a, fn=fn: None if None in a else fn(*a)),
                                   deterministic=True)


_ALLOWED = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION,
            getattr(sqlite3, "SQLITE_RECURSIVE", 33)}


def _authorizer(action, *_):
    return sqlite3.SQLITE_OK if action in _ALLOWED else sqlite3.SQLITE_DENY


def _load(connection: sqlite3.Connection, table: tables.TableDef, rows: list[tuple]) -> None:
    columns = ", ".join(f'"{c.name}" {c.sql_type}' for c in table.columns)
    connection.execute(f'CREATE TABLE "{table.sql_name}" ({columns})')
    marks = ", ".join("?" * len(table.columns))
    connection.executemany(f'INSERT INTO "{table.sql_name}" VALUES ({marks})', rows)


def _catalog_rows(table: tables.TableDef):
    """The function making a catalogue's rows for a cap of sky (looked up at call time)."""
    return catalog.fp_psc_rows if table is tables.FP_PSC else allwise.allwise_rows


def _position_at(table: tables.TableDef) -> slice:
    """Where (ra, dec) sit in the table's rows: a source's identity when two skies are merged."""
    names = [c.name for c in table.columns]
    return slice(names.index("ra"), names.index("dec") + 1)


def _static_rows(table: tables.TableDef) -> list[tuple]:
    if table in tables.METADATA_TABLES:
        return tables.tap_schema_rows()[table]
    observations, planes = caom_rows()
    return observations if table is tables.CAOM_OBSERVATION else planes


def prepare(query: str) -> tuple[str, dict[tables.TableDef, list[tuple]]]:
    """The SQLite text of an ADQL query and the rows each table it reads needs. Raises AdqlError."""
    try:
        return _prepare(query)
    except geometry.GeometryError as err:
        raise AdqlError(str(err)) from None
    except RecursionError:  # sqlglot's parser recurses once per level of parentheses
        raise AdqlError("the query is nested too deeply to read (thousands of parentheses?)") from None


def _prepare(query: str) -> tuple[str, dict[tables.TableDef, list[tuple]]]:
    tree = parse(query)
    _check_functions(tree)
    cte_names = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    needed: dict[tables.TableDef, list[tuple]] = {}
    for select in tree.find_all(exp.Select):
        aliases: dict[tables.TableDef, set[str]] = {}
        for node in select.find_all(exp.Table):
            if node.parent_select is not select:
                continue
            name = ".".join(p for p in (node.catalog, node.db, node.name) if p)
            if not node.db and node.name.lower() in cte_names:
                continue
            table = tables.find(name)
            if table is None:
                raise AdqlError(f"table {name!r} does not exist here; this service has: "
                                f"{', '.join(t.name for t in tables.ALL_TABLES)}")
            if table in tables.CATALOGS:
                aliases.setdefault(table, set()).update({node.alias_or_name.lower(), node.name.lower()})
            elif table not in needed:
                needed[table] = _static_rows(table)
        for table, names in aliases.items():
            region = fp_psc_region(select, names)
            if region is None:
                raise AdqlError(
                    f"{table.name} needs a spatial constraint: add to the WHERE clause, joined by AND, e.g. "
                    "CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 314.30417, 77.595559, 0.01)) = 1 "
                    "(a CIRCLE, BOX or POLYGON, or DISTANCE(POINT('ICRS', ra, dec), POINT(...)) < r); "
                    "this offline stand-in makes catalogue rows only for the sky a query asks about")
            ra, dec, radius = region
            if radius > catalog.MAX_RADIUS_DEG:
                raise AdqlError(f"the region searched in {table.name} reaches {radius:.4g} degrees from its centre; "
                                f"this offline stand-in searches at most {catalog.MAX_RADIUS_DEG} degree")
            rows = _catalog_rows(table)(ra, dec, radius)
            if table in needed:  # two constrained SELECTs on one catalogue: load both skies
                at = _position_at(table)
                known = {r[at] for r in needed[table]}
                rows = needed[table] + [r for r in rows if r[at] not in known]
            needed[table] = rows
    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table):
            name = ".".join(p for p in (node.catalog, node.db, node.name) if p)
            table = tables.find(name) if node.name.lower() not in cte_names or node.db else None
            if table is not None:
                alias = node.alias or node.name  # "tables.table_name" keeps working
                return exp.Table(this=exp.to_identifier(table.sql_name, quoted=True),
                                 alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=False)))
        if isinstance(node, exp.Column) and node.args.get("db"):  # schema.table.column: keep table.column
            return exp.Column(this=node.this, table=node.args.get("table"))
        return node
    _name_projections(tree)
    tree = _rewrite_geometry(tree.transform(rename))
    try:
        return tree.sql(dialect="sqlite"), needed
    except SqlglotError as err:
        raise AdqlError(f"cannot run this query: {err}") from None


def _output_columns(tree_tables: list[tables.TableDef], names: list[str]) -> list[tables.Column | None]:
    out = []
    for name in names:
        column = None
        for table in tree_tables:
            column = table.column(name)
            if column is not None:
                break
        out.append(column)
    return out


def run(query: str, maxrec: int | None = None) -> Result:
    """Run one ADQL query; at most ``maxrec`` rows (``overflow`` says whether more were found)."""
    sql, needed = prepare(query)
    connection = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        register(connection)
        for table, rows in needed.items():
            _load(connection, table, rows)
        connection.set_authorizer(_authorizer)
        _udf_errors.message = None
        deadline = time.monotonic() + TIME_LIMIT_S
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        try:
            cursor = connection.execute(sql)
            names = [d[0] for d in cursor.description or []]
            limit = MAX_CELLS // max(1, len(names))
            limit = limit if maxrec is None else min(maxrec, limit)
            rows = cursor.fetchmany(limit + 1)
        except sqlite3.OperationalError as err:
            if "interrupted" in str(err):
                raise AdqlError(f"the query ran longer than {TIME_LIMIT_S:.0f} s and was stopped") from None
            if "user-defined function raised exception" in str(err):
                raise AdqlError(getattr(_udf_errors, "message", str(err))) from None
            raise AdqlError(f"cannot run this query: {_sqlite_message(err)}") from None
        except sqlite3.Error as err:
            raise AdqlError(f"cannot run this query: {_sqlite_message(err)}") from None
    finally:
        connection.close()
    overflow = len(rows) > limit
    rows = rows[:limit] if overflow else rows
    return Result(names, rows, _output_columns(list(needed), names), overflow)


def _sqlite_message(err: sqlite3.Error) -> str:
    # SQLite names tables as loaded (fp_2mass__fp_psc); say them as ADQL does.
    text = str(err)
    for table in tables.ALL_TABLES:
        text = text.replace(table.sql_name, table.name)
    return text
