"""SQL expressions the dashboard needs that SQLite and PostgreSQL spell differently."""

from sqlalchemy import Float, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class local_month(FunctionElement):  # noqa: N801 -- used like a SQL function
    """'YYYY-MM' of a UTC timestamp, in Hangzhou wall time."""

    type = String()
    name = "local_month"
    inherit_cache = True


@compiles(local_month, "sqlite")
def _local_month_sqlite(element, compiler, **kw):
    # SQLite keeps naive UTC text and knows no time zones; Asia/Shanghai is UTC+8 all year (no DST since 1991).
    return f"substr(datetime({compiler.process(element.clauses, **kw)}, '+8 hours'), 1, 7)"


@compiles(local_month, "postgresql")
def _local_month_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)} AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')"


class days_between(FunctionElement):  # noqa: N801 -- used like a SQL function
    """Days (fractional) from the first timestamp to the second."""

    type = Float()
    name = "days_between"
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"
