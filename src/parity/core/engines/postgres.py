"""PostgreSQL as an engine: tables loaded with COPY, read through Ibis's postgres backend.

Loading goes through psycopg's ``COPY ... FROM STDIN`` with CSV written by Arrow (Ibis's
``create_table`` from Arrow inserts row by row: about 60 times slower). Every table is
created from its Arrow schema; dictionary (ENUM) columns become text.
"""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import urlsplit

import pyarrow as pa
import pyarrow.csv as pacsv

from parity.core.errors import UserInputError

#: PostgreSQL column types by Arrow type (checked in this order; first match wins).
_TYPES: tuple[tuple[Any, str], ...] = (
    (pa.types.is_boolean, "boolean"),
    (pa.types.is_int8, "smallint"),
    (pa.types.is_int16, "smallint"),
    (pa.types.is_uint8, "smallint"),
    (pa.types.is_int32, "integer"),
    (pa.types.is_uint16, "integer"),
    (pa.types.is_integer, "bigint"),
    (pa.types.is_floating, "double precision"),
    (pa.types.is_date, "date"),
    (pa.types.is_timestamp, "timestamp"),
    (pa.types.is_string, "text"),
    (pa.types.is_large_string, "text"),
)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def column_type(field: pa.Field) -> str:
    """The PostgreSQL type a column of this Arrow type is stored as."""
    kind = field.type.value_type if pa.types.is_dictionary(field.type) else field.type
    for test, name in _TYPES:
        if test(kind):
            return name
    raise UserInputError(f"Column '{field.name}' has the type {field.type}, which Parity does "
                         "not copy to PostgreSQL.", "Only text, numbers, booleans and dates are.")


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (CSV has no dictionaries)."""
    columns = [c.cast(f.type.value_type) if pa.types.is_dictionary(f.type) else c
               for c, f in zip(table.columns, table.schema, strict=True)]
    return pa.table(columns, names=table.column_names)


def copy_tables(url: str, tables: dict[str, pa.Table], schema: str | None = None) -> None:
    """Replace each table (by name, in ``schema`` or the default one) with these rows.

    One transaction: either every table is replaced or none is. Empty strings stay empty
    strings and NULLs stay NULL (CSV quotes the former).
    """
    import psycopg

    with psycopg.connect(url, autocommit=False) as con, con.cursor() as cur:
        if schema is not None:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {_quote(schema)}")
        for name, table in tables.items():
            target = _quote(name) if schema is None else f"{_quote(schema)}.{_quote(name)}"
            columns = ", ".join(f"{_quote(f.name)} {column_type(f)}" for f in table.schema)
            cur.execute(f"DROP TABLE IF EXISTS {target}")
            cur.execute(f"CREATE TABLE {target} ({columns})")
            buffer = io.BytesIO()
            pacsv.write_csv(_plain(table), buffer, pacsv.WriteOptions(include_header=False))
            with cur.copy(f"COPY {target} FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
            cur.execute(f"ANALYZE {target}")
        con.commit()


def connect_url(url: str) -> Any:
    """An Ibis PostgreSQL connection from a ``postgresql://user:pw@host:port/db`` URL."""
    import ibis

    parts = urlsplit(url)
    return ibis.connect(parts._replace(scheme="postgres").geturl())
