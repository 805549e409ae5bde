"""chat titles and undoable delete: a session's own title, and when it was hidden

Message ids become what clients edit by, so on SQLite `chat_message` is rebuilt with
AUTOINCREMENT: an id whose row was dropped is never given to a new message (PostgreSQL's
sequences already behave so).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_session") as batch:
        batch.add_column(sa.Column("title", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_chat_session_deleted_at", ["deleted_at"], unique=False)
    _rebuild_messages(autoincrement=True)


def downgrade() -> None:
    _rebuild_messages(autoincrement=False)
    with op.batch_alter_table("chat_session") as batch:
        batch.drop_index("ix_chat_session_deleted_at")
        batch.drop_column("deleted_at")
        batch.drop_column("title")


def _rebuild_messages(*, autoincrement: bool) -> None:
    """SQLite only: AUTOINCREMENT is part of the table's definition, so copy the table."""
    if op.get_bind().dialect.name != "sqlite":
        return
    kwargs = {"sqlite_autoincrement": autoincrement}
    with op.batch_alter_table("chat_message", recreate="always", table_kwargs=kwargs):
        pass
