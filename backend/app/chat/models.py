"""`chat_session` and `chat_message`: the record of every conversation (one row per message)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, TimestampMixin, utcnow


class ChatSession(TimestampMixin, Base):
    """A conversation, identified by its owner, project and the caller's session id.

    `title` is the name its owner gave it (`None`: titled by its first question).
    `deleted_at` hides a deleted session until the undo window has passed and the row is
    removed; a hidden session is invisible to every reader.

    `template_*` record the prompt template its system prompt was rendered from: the version
    resolved when the session started (a label is resolved then, so moving it later does not
    change a running session), the label or none it was asked by, and the variables (JSON).
    No foreign key: templates are archived, never deleted.
    """

    __tablename__ = "chat_session"
    __table_args__ = (UniqueConstraint("owner", "project", "session_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    project: Mapped[str] = mapped_column(String(64))
    session_key: Mapped[str] = mapped_column(String(128))
    system_prompt: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)
    template_id: Mapped[int | None]
    template_version: Mapped[int | None]
    template_label: Mapped[str | None] = mapped_column(String(40))
    template_variables: Mapped[str | None] = mapped_column(Text)
    messages: Mapped[list["ChatMessage"]] = relationship(
        back_populates="session",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ChatMessage.id",
    )


class ChatMessage(Base):
    """One message; `token_count` caches the server tokenizer's count for history trimming.

    `id` names the message for good: no later message gets the id of a dropped one.
    `status` marks a partial answer: `stopped` when the client went away, `failed` when the
    model broke off. The question of such a turn is stored all the same.
    """

    __tablename__ = "chat_message"
    __table_args__ = (
        # The values of `app.llm.store.MessageStatus`.
        CheckConstraint("status IN ('complete', 'stopped', 'failed')", name="status"),
        # SQLite would reuse the highest id once its row is gone; PostgreSQL never does.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("chat_session.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    token_count: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="complete", server_default="complete")
    session: Mapped[ChatSession] = relationship(back_populates="messages")
