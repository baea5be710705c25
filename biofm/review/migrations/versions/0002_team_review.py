"""Team review: k reviews per item, who stored a batch, curators' adjudications (gold labels), events (exports).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch:
        batch.add_column(sa.Column("reviews_per_item", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("created_by", sa.String(200), nullable=False, server_default=""))
    op.create_table(
        "adjudications",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("item_id", sa.Integer, sa.ForeignKey("items.id"), nullable=False),
        sa.Column("curator", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("old_value", sa.JSON),
        sa.Column("new_value", sa.JSON),
        sa.Column("reviewer_values", sa.JSON),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_adjudications_item_id", "adjudications", ["item_id"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("user", sa.String(200), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("batches.id")),
        sa.Column("detail", sa.JSON),
    )


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("adjudications")
    with op.batch_alter_table("batches") as batch:
        batch.drop_column("created_by")
        batch.drop_column("reviews_per_item")
