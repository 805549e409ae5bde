"""sign-ins: access tokens renewable until logout or a maximum age; temporary passwords

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 14:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_sign_in_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in")),
    )
    with op.batch_alter_table("sign_in") as batch:
        batch.create_index(batch.f("ix_sign_in_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("user") as batch:
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_column("must_change_password")
    with op.batch_alter_table("sign_in") as batch:
        batch.drop_index(batch.f("ix_sign_in_user_id"))
    op.drop_table("sign_in")
