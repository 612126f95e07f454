"""Declarative base, naming convention and the column mixins every table shares."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Integer, MetaData, Uuid, func, text
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from cop.vocab import Labelled

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UuidPk:
    id: Mapped[uuid.UUID] = mapped_column(
        Uuid, primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()"), sort_order=-100
    )


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), nullable=False, sort_order=100
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True),
        server_default=func.now(),
        onupdate=func.now(),
        nullable=False,
        sort_order=100,
    )


class Versioned:
    """Optimistic concurrency: an UPDATE carries `WHERE version = <read version>` and bumps it."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("1"), sort_order=101)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, object]:
        return {"version_id_col": cls.__table__.c.version}


def one_of(column: str, vocabulary: type[Labelled], name: str | None = None) -> CheckConstraint:
    """CHECK that a text column holds one of a closed vocabulary's values (strings, not native enums)."""
    values = ", ".join(f"'{v}'" for v in vocabulary.values())
    return CheckConstraint(f"{column} IN ({values})", name=name or f"{column}_valid")


def between(column: str, low: float, high: float, name: str | None = None) -> CheckConstraint:
    """CHECK a nullable number lies in [low, high]."""
    return CheckConstraint(
        f"{column} IS NULL OR ({column} >= {low} AND {column} <= {high})", name=name or f"{column}_range"
    )
