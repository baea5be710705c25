"""Tables. Decisions, adjudications and events are never updated or deleted: the newest decision of a reviewer on an
item is that reviewer's value, the newest adjudication of an item is its gold label."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Batch(Base):
    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    task: Mapped[str] = mapped_column(String(32))
    model_name: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(500), default="")
    labels: Mapped[list] = mapped_column(JSON, default=list)
    reviews_per_item: Mapped[int] = mapped_column(Integer, default=1)  # k independent reviews asked per item
    created_by: Mapped[str] = mapped_column(String(200), default="")
    items: Mapped[list["Item"]] = relationship(back_populates="batch", order_by="Item.position")


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str] = mapped_column(String(200))
    input_hash: Mapped[str] = mapped_column(String(64), index=True)
    input_text: Mapped[str] = mapped_column(Text)
    prediction: Mapped[dict] = mapped_column(JSON)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    disagreement: Mapped[float] = mapped_column(Float, default=0.0)
    explanation_ref: Mapped[str] = mapped_column(String(500), default="")
    batch: Mapped[Batch] = relationship(back_populates="items")


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    reviewer: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    action: Mapped[str] = mapped_column(String(16))  # accept | reject | correct
    old_value: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    new_value: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    model_name: Mapped[str] = mapped_column(String(200))
    model_version: Mapped[str] = mapped_column(String(64))
    input_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_decisions_item_reviewer", "item_id", "reviewer", "id"),)


class Adjudication(Base):
    """A curator's gold label for an item (new_value None: excluded from exports), with what the reviewers said."""

    __tablename__ = "adjudications"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    curator: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    old_value: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # the previous gold label (None: none)
    new_value: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reviewer_values: Mapped[dict] = mapped_column(JSON, default=dict)  # reviewer -> value (None: rejected)
    comment: Mapped[str] = mapped_column(Text, default="")


class Event(Base):
    """Other stored acts on the review database, with the person (an export: event 'export')."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(32))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
