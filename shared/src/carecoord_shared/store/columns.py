"""Runs of table columns of one type, for the kernel's and the services' tables.

A `tables.py` often declares several columns of one type, all
nullable or all not, or a composite primary key; `columns(Text, "a", "b")` says so
once. Migrations never use
this: they are frozen history and spell out each column.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column
from sqlalchemy.types import TypeEngine


def columns(
    type_: TypeEngine[Any] | type[TypeEngine[Any]],
    *names: str,
    nullable: bool = False,
    primary_key: bool = False,
) -> list[Column[Any]]:
    """One column named each of `names`, all of `type_`, all (not) nullable and all (not)
    parts of the table's primary key."""
    return [Column(name, type_, nullable=nullable, primary_key=primary_key) for name in names]
