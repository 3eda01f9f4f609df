"""`columns` declares a run of same-typed columns exactly as spelt-out Columns would."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, MetaData, Table, Text
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from carecoord_shared.store.columns import columns


def _ddl(table: Table) -> str:
    return str(CreateTable(table).compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]


def test_a_run_of_columns_gives_the_same_ddl_as_each_column_written_out() -> None:
    short = Table(
        "t",
        MetaData(),
        *columns(Text, "a", "b"),
        *columns(DateTime(timezone=True), "at", nullable=True),
    )
    long = Table(
        "t",
        MetaData(),
        Column("a", Text, nullable=False),
        Column("b", Text, nullable=False),
        Column("at", DateTime(timezone=True), nullable=True),
    )
    assert _ddl(short) == _ddl(long)
    assert "a TEXT NOT NULL" in _ddl(short)
    assert "at TIMESTAMP WITH TIME ZONE\n" in _ddl(short)


def test_a_composite_primary_key_gives_the_same_ddl_as_each_key_column_written_out() -> None:
    short = Table("k", MetaData(), *columns(Text, "a", "b", primary_key=True))
    long = Table(
        "k", MetaData(), Column("a", Text, primary_key=True), Column("b", Text, primary_key=True)
    )
    assert _ddl(short) == _ddl(long)
    assert "PRIMARY KEY (a, b)" in _ddl(short)
