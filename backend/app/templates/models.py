"""`prompt_template` and its tags, immutable versions and labels.

A template's versions are written once and never changed: a session, playground run or game
result that names version N keeps meaning the same text. `latest_version` is the number of the
newest one. Deleting a template archives it (`archived_at`), so the versions that sessions and
results name stay readable.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, utcnow


class PromptTemplate(TimestampMixin, Base):
    __tablename__ = "prompt_template"
    __table_args__ = (
        CheckConstraint("visibility IN ('private', 'shared')", name="visibility"),
        # Ids are named by sessions and results after an archive: never hand one out twice.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    project: Mapped[str | None] = mapped_column(String(64), index=True)
    visibility: Mapped[str] = mapped_column(String(16), default="private")
    latest_version: Mapped[int]
    archived_at: Mapped[datetime | None]
    tags: Mapped[list["TemplateTag"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="TemplateTag.tag",
    )
    labels: Mapped[list["TemplateLabel"]] = relationship(
        cascade="all, delete-orphan",
        passive_deletes=True,
        lazy="selectin",
        order_by="TemplateLabel.label",
    )


class TemplateTag(Base):
    __tablename__ = "template_tag"

    template_id: Mapped[int] = mapped_column(
        ForeignKey("prompt_template.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True, index=True)


class TemplateVersion(Base):
    """One saved state of a template's content and variables; never updated."""

    __tablename__ = "template_version"
    __table_args__ = (UniqueConstraint("template_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("prompt_template.id", ondelete="CASCADE"))
    version: Mapped[int]
    content: Mapped[str] = mapped_column(Text)
    # JSON list of variable objects, written with sorted keys so equal schemas compare equal.
    variables: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TemplateLabel(Base):
    """A name (`production`, `staging`, …) pointing at one version of a template."""

    __tablename__ = "template_label"

    template_id: Mapped[int] = mapped_column(
        ForeignKey("prompt_template.id", ondelete="CASCADE"), primary_key=True
    )
    label: Mapped[str] = mapped_column(String(40), primary_key=True)
    version: Mapped[int]
