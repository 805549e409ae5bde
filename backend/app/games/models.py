"""`game_result`: what a game client reported at the end of a game, kept as it was sent."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class GameResult(Base):
    """One outcome posted on `P/result/{sessionId}`.

    `payload` is the JSON text as received (ranking reads it later); `template` is the system
    prompt the session was using when the result came, so a result stays attributable after
    the session's template changes; `template_id` / `template_version` name the portal
    template version it was rendered from, when it was one (no foreign key: templates are
    archived, never deleted).
    """

    __tablename__ = "game_result"
    __table_args__ = (
        Index("ix_game_result_owner_project_session", "owner", "project", "session_id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(64))
    session_id: Mapped[str] = mapped_column(String(128))
    template: Mapped[str | None] = mapped_column(Text)
    template_id: Mapped[int | None]
    template_version: Mapped[int | None]
    payload: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
