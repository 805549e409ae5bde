"""template refs: which template version a chat session and a game result used

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:00:00

No foreign keys: templates are archived, never deleted, and a session or result keeps its
reference (and its stored system prompt) whatever happens to the template later.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_session") as batch:
        batch.add_column(sa.Column("template_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("template_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("template_label", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("template_variables", sa.Text(), nullable=True))
    with op.batch_alter_table("game_result") as batch:
        batch.add_column(sa.Column("template_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("template_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("game_result") as batch:
        batch.drop_column("template_version")
        batch.drop_column("template_id")
    with op.batch_alter_table("chat_session") as batch:
        batch.drop_column("template_variables")
        batch.drop_column("template_label")
        batch.drop_column("template_version")
        batch.drop_column("template_id")
