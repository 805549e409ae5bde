"""prompt templates: `prompt_template`, `template_tag`, `template_version`, `template_label`

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "prompt_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("project", sa.String(length=64), nullable=True),
        sa.Column("visibility", sa.String(length=16), nullable=False),
        sa.Column("latest_version", sa.Integer(), nullable=False),
        sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "visibility IN ('private', 'shared')", name=op.f("ck_prompt_template_visibility")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user.id"],
            name=op.f("fk_prompt_template_owner_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prompt_template")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("prompt_template") as batch:
        batch.create_index(batch.f("ix_prompt_template_owner_id"), ["owner_id"], unique=False)
        batch.create_index(batch.f("ix_prompt_template_project"), ["project"], unique=False)
    op.create_table(
        "template_tag",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["prompt_template.id"],
            name=op.f("fk_template_tag_template_id_prompt_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("template_id", "tag", name=op.f("pk_template_tag")),
    )
    with op.batch_alter_table("template_tag") as batch:
        batch.create_index(batch.f("ix_template_tag_tag"), ["tag"], unique=False)
    op.create_table(
        "template_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("variables", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["prompt_template.id"],
            name=op.f("fk_template_version_template_id_prompt_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_version")),
        sa.UniqueConstraint("template_id", "version", name=op.f("uq_template_version_template_id")),
    )
    op.create_table(
        "template_label",
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["prompt_template.id"],
            name=op.f("fk_template_label_template_id_prompt_template"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("template_id", "label", name=op.f("pk_template_label")),
    )


def downgrade() -> None:
    op.drop_table("template_label")
    op.drop_table("template_version")
    with op.batch_alter_table("template_tag") as batch:
        batch.drop_index(batch.f("ix_template_tag_tag"))
    op.drop_table("template_tag")
    with op.batch_alter_table("prompt_template") as batch:
        batch.drop_index(batch.f("ix_prompt_template_project"))
        batch.drop_index(batch.f("ix_prompt_template_owner_id"))
    op.drop_table("prompt_template")
