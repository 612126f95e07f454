"""Districts, schools, teaching practices and versioned form templates."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from cop.vocab import FormKind, ProgrammeSection, SchoolLevel
from db.models.base import Base, Timestamps, UuidPk, Versioned, one_of


class District(UuidPk, Timestamps, Base):
    __tablename__ = "district"
    __table_args__ = (one_of("programme_section", ProgrammeSection),)

    name: Mapped[str] = mapped_column(String(80), unique=True)
    programme_section: Mapped[str] = mapped_column(String(8))
    ttc_supported: Mapped[bool] = mapped_column(Boolean, default=False)
    # False for districts added for national-scale data outside the 17 intervention districts.
    intervention: Mapped[bool] = mapped_column(Boolean, default=True)


class School(UuidPk, Timestamps, Versioned, Base):
    __tablename__ = "school"
    __table_args__ = (one_of("level", SchoolLevel),)

    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    district_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("district.id"), index=True)
    sector: Mapped[str | None] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(16))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class TeachingPractice(UuidPk, Timestamps, Versioned, Base):
    """One line of the lesson-observation list; admins edit the list, old ratings keep their practice."""

    __tablename__ = "teaching_practice"

    key: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(Text)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class FormTemplate(UuidPk, Timestamps, Base):
    """Questions of a form as data; a new revision is a new row so old answers keep their questions."""

    __tablename__ = "form_template"
    __table_args__ = (
        one_of("kind", FormKind),
        UniqueConstraint("kind", "revision"),
    )

    kind: Mapped[str] = mapped_column(String(32))
    revision: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    # [{"key": ..., "label": ..., "group": ..., "scale": [1, 4]}, ...]
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
