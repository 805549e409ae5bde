"""message status: a stopped or failed answer is stored as partial, its question kept

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("chat_message") as batch:
        batch.add_column(
            sa.Column("status", sa.String(length=16), server_default="complete", nullable=False)
        )
        batch.create_check_constraint("status", "status IN ('complete', 'stopped', 'failed')")


def downgrade() -> None:
    with op.batch_alter_table("chat_message") as batch:
        batch.drop_constraint("ck_chat_message_status", type_="check")
        batch.drop_column("status")
