"""The review store: batches of predictions, an append-only log of reviewer decisions, agreement and exports.

SQLite by default (WAL journal, FULL sync, busy timeout: concurrent writers wait instead of failing, and a commit
that returned is on disk); any SQLAlchemy URL works. The schema is created and upgraded with Alembic. Every query
goes through SQLAlchemy with bound parameters.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from biofm.review.schema import Batch, Decision, Item

QUEUE_ORDERS = ("uncertainty", "disagreement", "input")
ACTIONS = ("accept", "reject", "correct")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def input_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class ItemView:
    id: int
    batch_id: int
    position: int
    external_id: str
    text: str
    prediction: dict
    confidence: float
    disagreement: float
    decision: dict | None  # this reviewer's latest decision


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class ReviewStore:
    def __init__(self, url: str) -> None:
        self.url = url
        kwargs = {}
        if url.startswith("sqlite"):
            path = url.split("///", 1)[-1]
            if path and path != ":memory:":
                from biofm.privacy import private_dir, private_file

                if not Path(path).parent.exists():
                    private_dir(Path(path).parent)
                for suffix in ("", "-wal", "-shm"):  # SQLite gives its WAL and shm files the database's mode
                    if suffix == "" or Path(path + suffix).exists():
                        private_file(path + suffix)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        self.engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.session = sessionmaker(self.engine, expire_on_commit=False)
        self.migrate()

    def migrate(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision."""
        from alembic import command
        from alembic.config import Config

        from sqlalchemy.exc import OperationalError, ProgrammingError

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        for attempt in range(5):  # processes opening a new database at once: the losers find it made and retry
            try:
                with self.engine.begin() as conn:
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, "head")
                return
            except (OperationalError, ProgrammingError):
                if attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))

    # batches -----------------------------------------------------------------------------------------------
    def add_batch(self, task: str, model_name: str, model_version: str, labels: Sequence[str],
                  items: Iterable[dict], source: str = "") -> int:
        """Store a prediction batch. Each item: external_id, text, prediction (dict), confidence, disagreement."""
        with self.session.begin() as s:
            batch = Batch(task=task, model_name=model_name, model_version=model_version, labels=list(labels),
                          source=source)
            s.add(batch)
            s.flush()
            for pos, it in enumerate(items):
                s.add(Item(batch_id=batch.id, position=pos, external_id=str(it["external_id"]), input_text=it["text"],
                           input_hash=input_hash(it["text"]), prediction=it["prediction"],
                           confidence=float(it.get("confidence", 1.0)), disagreement=float(it.get("disagreement", 0.0)),
                           explanation_ref=it.get("explanation_ref", "")))
            return batch.id

    def batches(self) -> list[dict]:
        with self.session() as s:
            rows = s.execute(select(Batch, func.count(Item.id)).join(Item, isouter=True).group_by(Batch.id)
                             .order_by(Batch.id.desc())).all()
            return [{"id": b.id, "task": b.task, "model": b.model_name, "version": b.model_version, "items": n,
                     "source": b.source, "created": b.created_at, "labels": b.labels} for b, n in rows]

    def batch(self, batch_id: int) -> dict:
        return next(b for b in self.batches() if b["id"] == batch_id)

    # decisions ---------------------------------------------------------------------------------------------
    def _latest(self, s: Session, item_ids: Sequence[int], reviewer: str | None) -> dict[int, Decision]:
        q = select(Decision).where(Decision.item_id.in_(item_ids)).order_by(Decision.id)
        if reviewer is not None:
            q = q.where(Decision.reviewer == reviewer)
        latest: dict[int, Decision] = {}
        for d in s.scalars(q):
            latest[d.item_id] = d
        return latest

    def queue(self, batch_id: int, reviewer: str, order: str = "uncertainty", pending_only: bool = False
              ) -> list[ItemView]:
        """Items of a batch in review order: least confident first, most rule/model disagreement first, or input."""
        if order not in QUEUE_ORDERS:
            raise ValueError(f"order must be one of {QUEUE_ORDERS}")
        key = {"uncertainty": (Item.confidence.asc(), Item.position), "disagreement": (Item.disagreement.desc(),
               Item.position), "input": (Item.position,)}[order]
        with self.session() as s:
            items = list(s.scalars(select(Item).where(Item.batch_id == batch_id).order_by(*key)))
            latest = self._latest(s, [i.id for i in items], reviewer)
        views = [ItemView(i.id, i.batch_id, i.position, i.external_id, i.input_text, i.prediction, i.confidence,
                          i.disagreement, _decision_dict(latest[i.id]) if i.id in latest else None) for i in items]
        return [v for v in views if v.decision is None] if pending_only else views

    def decide(self, item_id: int, reviewer: str, action: str, new_value: dict | None = None,
               comment: str = "") -> int:
        """Record a decision (never overwriting): accept the prediction, reject it, or correct it to ``new_value``."""
        reviewer = reviewer.strip()
        if not reviewer:
            raise ValueError("a reviewer name is required")
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        if action == "correct" and not new_value:
            raise ValueError("a correction needs the corrected value")
        from biofm.tasks import get_task

        with self.session.begin() as s:
            # take the write lock before reading the previous decision, so concurrent reviewers chain old -> new
            # (SQLite: a no-op UPDATE takes the database's write lock; server databases: a row lock FOR UPDATE)
            s.execute(update(Item).where(Item.id == item_id).values(position=Item.position))
            item = s.get(Item, item_id, with_for_update=True)
            if item is None:
                raise KeyError(f"no review item {item_id}")
            batch = s.get(Batch, item.batch_id)
            predicted = get_task(batch.task).codec.value(item.prediction)
            prev = self._latest(s, [item_id], reviewer).get(item_id)
            old = prev.new_value if prev is not None else predicted
            value = predicted if action == "accept" else (None if action == "reject" else new_value)
            d = Decision(item_id=item_id, reviewer=reviewer, action=action, old_value=old, new_value=value,
                         comment=comment, model_name=batch.model_name, model_version=batch.model_version,
                         input_hash=item.input_hash)
            s.add(d)
            s.flush()
            return d.id

    def history(self, item_id: int) -> list[dict]:
        with self.session() as s:
            return [_decision_dict(d) for d in s.scalars(select(Decision).where(Decision.item_id == item_id)
                                                         .order_by(Decision.id))]

    def audit_log(self, batch_id: int) -> list[dict]:
        with self.session() as s:
            rows = s.execute(select(Decision, Item.external_id).join(Item, Item.id == Decision.item_id)
                             .where(Item.batch_id == batch_id).order_by(Decision.id)).all()
            return [{**_decision_dict(d), "item": ext} for d, ext in rows]

    def reviewed(self, batch_id: int, reviewer: str | None = None) -> list[tuple[ItemView, dict]]:
        """(item, accepted or corrected value) for every item whose latest decision is not a rejection."""
        with self.session() as s:
            items = list(s.scalars(select(Item).where(Item.batch_id == batch_id).order_by(Item.position)))
            latest = self._latest(s, [i.id for i in items], reviewer)
        out = []
        for i in items:
            d = latest.get(i.id)
            if d is not None and d.action != "reject" and d.new_value is not None:
                view = ItemView(i.id, i.batch_id, i.position, i.external_id, i.input_text, i.prediction, i.confidence,
                                i.disagreement, _decision_dict(d))
                out.append((view, d.new_value))
        return out

    def reviewers(self, batch_id: int) -> list[str]:
        with self.session() as s:
            return sorted(s.scalars(select(Decision.reviewer).join(Item, Item.id == Decision.item_id)
                                    .where(Item.batch_id == batch_id).distinct()))

    # agreement and metrics (through the task's review codec) ---------------------------------------------
    def _codec(self, batch_id: int):
        from biofm.tasks import get_task

        batch = self.batch(batch_id)
        return get_task(batch["task"]).codec, batch["labels"]

    def kappa(self, batch_id: int, reviewer_a: str, reviewer_b: str) -> dict[str, float | None]:
        """Cohen's kappa per label on the items both reviewers labelled (None where it is undefined)."""
        from sklearn.metrics import cohen_kappa_score

        codec, labels = self._codec(batch_id)
        a = {v.id: val for v, val in self.reviewed(batch_id, reviewer_a)}
        b = {v.id: val for v, val in self.reviewed(batch_id, reviewer_b)}
        both = sorted(set(a) & set(b))
        out: dict[str, float | None] = {}
        for name in codec.label_names([a[i] for i in both] + [b[i] for i in both], labels):
            xa = [_hashable(codec.label_value(a[i], name)) for i in both]
            xb = [_hashable(codec.label_value(b[i], name)) for i in both]
            defined = len(xa) >= 2 and len(set(xa) | set(xb)) >= 2
            out[name] = float(cohen_kappa_score(xa, xb)) if defined else None
        overall_a = [_hashable(codec.overall_value(a[i])) for i in both]
        if both and overall_a[0] is not None:
            overall_b = [_hashable(codec.overall_value(b[i])) for i in both]
            defined = len(both) >= 2 and len(set(overall_a) | set(overall_b)) >= 2
            out["(all labels)"] = float(cohen_kappa_score(overall_a, overall_b)) if defined else None
        return out

    def model_metrics(self, batch_id: int, reviewer: str | None = None) -> dict[str, dict]:
        """The model's predictions scored against reviewed values, per label (the codec says how)."""
        codec, labels = self._codec(batch_id)
        rows = self.reviewed(batch_id, reviewer)
        return codec.metrics(rows, labels) if rows else {}  # nothing reviewed yet: nothing to score

    # export ------------------------------------------------------------------------------------------------
    def export(self, batch_id: int, fmt: str, reviewer: str | None = None) -> bytes:
        """Reviewed items in the formats the task's trainer reads (the codec's export formats)."""
        codec, labels = self._codec(batch_id)
        if fmt not in codec.export_formats:
            raise ValueError(f"format must be one of {', '.join(codec.export_formats)}")
        return codec.export(self.reviewed(batch_id, reviewer), fmt, labels)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _decision_dict(d: Decision) -> dict:
    return {"id": d.id, "item_id": d.item_id, "reviewer": d.reviewer, "created_at": d.created_at, "action": d.action,
            "old_value": d.old_value, "new_value": d.new_value, "comment": d.comment, "model_name": d.model_name,
            "model_version": d.model_version, "input_hash": d.input_hash}
