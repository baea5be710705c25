"""Review: a SQLAlchemy store of prediction batches, reviewer decisions (append-only audit log) and exports."""

from biofm.review.store import QUEUE_ORDERS, ReviewStore, StaleDecision

__all__ = ["QUEUE_ORDERS", "ReviewStore", "StaleDecision"]
