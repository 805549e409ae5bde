"""playground runs: `playground_run` and its cells, `playground_cell`

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:10:00

A cell keeps the template id and version it ran without a foreign key: templates are archived,
never deleted, and a stored run reopens as it was.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "playground_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'complete', 'cancelled')",
            name=op.f("ck_playground_run_status"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user.id"],
            name=op.f("fk_playground_run_owner_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playground_run")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("playground_run") as batch:
        batch.create_index(batch.f("ix_playground_run_owner_id"), ["owner_id"], unique=False)
    op.create_table(
        "playground_cell",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("v", sa.Integer(), nullable=False),
        sa.Column("i", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("usage", sa.Text(), nullable=True),
        sa.Column("ttft_ms", sa.Double(), nullable=True),
        sa.Column("total_ms", sa.Double(), nullable=True),
        sa.Column("cache_n", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('complete', 'stopped', 'failed')", name=op.f("ck_playground_cell_status")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["playground_run.id"],
            name=op.f("fk_playground_cell_run_id_playground_run"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_playground_cell")),
        sa.UniqueConstraint("run_id", "v", "i", name=op.f("uq_playground_cell_run_id")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("playground_cell") as batch:
        batch.create_index(batch.f("ix_playground_cell_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("playground_cell") as batch:
        batch.drop_index(batch.f("ix_playground_cell_run_id"))
    op.drop_table("playground_cell")
    with op.batch_alter_table("playground_run") as batch:
        batch.drop_index(batch.f("ix_playground_run_owner_id"))
    op.drop_table("playground_run")
