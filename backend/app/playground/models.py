"""`playground_run` and `playground_cell`: a stored matrix run and each of its cells."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class PlaygroundRun(Base):
    """One run of versions x inputs; `request` is the body as accepted (JSON).

    `status` is `running` while it streams, then `complete`, or `cancelled` when the client
    went away before every cell finished.
    """

    __tablename__ = "playground_run"
    __table_args__ = (
        CheckConstraint("status IN ('running', 'complete', 'cancelled')", name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="running")
    request: Mapped[str] = mapped_column(Text)
    finished_at: Mapped[datetime | None]


class PlaygroundCell(Base):
    """The answer of one version (`v`) to one input (`i`) of a run, stored when it ends."""

    __tablename__ = "playground_cell"
    __table_args__ = (
        UniqueConstraint("run_id", "v", "i"),
        CheckConstraint("status IN ('complete', 'stopped', 'failed')", name="status"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(
        ForeignKey("playground_run.id", ondelete="CASCADE"), index=True
    )
    v: Mapped[int]
    i: Mapped[int]
    template_id: Mapped[int]
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    code: Mapped[str | None] = mapped_column(String(64))
    usage: Mapped[str | None] = mapped_column(Text)
    ttft_ms: Mapped[float | None]
    total_ms: Mapped[float | None]
    cache_n: Mapped[int | None]
