"""Initial review schema: batches, items, decisions (append-only).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("source", sa.String(500)),
        sa.Column("labels", sa.JSON),
    )
    op.create_table(
        "items",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("input_text", sa.Text, nullable=False),
        sa.Column("prediction", sa.JSON, nullable=False),
        sa.Column("confidence", sa.Float),
        sa.Column("disagreement", sa.Float),
        sa.Column("explanation_ref", sa.String(500)),
    )
    op.create_index("ix_items_batch_id", "items", ["batch_id"])
    op.create_index("ix_items_input_hash", "items", ["input_hash"])
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), nullable=False),
        sa.Column("reviewer", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old_value", sa.JSON),
        sa.Column("new_value", sa.JSON),
        sa.Column("comment", sa.Text),
        sa.Column("model_name", sa.String(200), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_decisions_item_reviewer", "decisions", ["item_id", "reviewer", "id"])


def downgrade() -> None:
    op.drop_table("decisions")
    op.drop_table("items")
    op.drop_table("batches")
