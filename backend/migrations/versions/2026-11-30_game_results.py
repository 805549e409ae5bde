"""game results and broker credentials: `game_result`; Mosquitto password material on `api_key`

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "game_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("session_id", sa.String(length=128), nullable=False),
        sa.Column("template", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_game_result")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("game_result") as batch:
        batch.create_index(
            batch.f("ix_game_result_owner_project_session"),
            ["owner", "project", "session_id"],
            unique=False,
        )
        batch.create_index(batch.f("ix_game_result_received_at"), ["received_at"], unique=False)
    with op.batch_alter_table("api_key") as batch:
        batch.add_column(sa.Column("mqtt_password_hash", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("mqtt_salt", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("mqtt_iterations", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_key") as batch:
        batch.drop_column("mqtt_iterations")
        batch.drop_column("mqtt_salt")
        batch.drop_column("mqtt_password_hash")
    with op.batch_alter_table("game_result") as batch:
        batch.drop_index(batch.f("ix_game_result_received_at"))
        batch.drop_index(batch.f("ix_game_result_owner_project_session"))
    op.drop_table("game_result")
