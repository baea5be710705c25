"""The review store: batches of predictions, an append-only log of reviewer decisions, curators' adjudications
(gold labels), agreement and exports.

A batch asks for ``reviews_per_item`` (k) independent reviews of each item; each reviewer's queue holds the items
that still need their review. Items on which reviewers' values differ go to a curator, whose adjudication becomes
the item's gold label; exports use the gold label where there is one and say which rows are adjudicated.

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

from biofm.review.schema import Adjudication, Batch, Decision, Event, Item

QUEUE_ORDERS = ("uncertainty", "disagreement", "input")
ACTIONS = ("accept", "reject", "correct")
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StaleDecision(RuntimeError):
    """The card a decision came from no longer shows the item's state (decided meanwhile in another tab or window).

    ``latest`` is the reviewer's decision the card did not show (a dict like ``history`` rows); nothing was stored."""

    def __init__(self, external_id: str, latest: dict | None) -> None:
        self.external_id, self.latest = external_id, latest
        when = f" ({latest['action']} at {latest['created_at']:%H:%M:%S})" if latest else ""
        super().__init__(f"{external_id} was decided meanwhile in another tab or window{when}")


UNCHECKED = object()  # decide(expect=...) default: no check that the card was current


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
    """Batches, decisions, adjudications and exports in one database (any SQLAlchemy URL).

    Comparing a correction with the prediction, agreement, metrics and exports go through the batch's task's review
    codec, looked up in :data:`biofm.review.codec.CODECS`: the task registry fills it, so a process imports
    ``biofm.tasks`` (pages, the CLI and :mod:`biofm.api` do) before deciding on, scoring or exporting a batch."""

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
                  items: Iterable[dict], source: str = "", reviews_per_item: int = 1, created_by: str = "") -> int:
        """Store a prediction batch. Each item: external_id, text, prediction (dict), confidence, disagreement.

        ``reviews_per_item``: how many independent reviewers each item asks for (k, at least 1)."""
        if int(reviews_per_item) < 1:
            raise ValueError("reviews_per_item must be at least 1")
        with self.session.begin() as s:
            batch = Batch(task=task, model_name=model_name, model_version=model_version, labels=list(labels),
                          source=source, reviews_per_item=int(reviews_per_item), created_by=created_by)
            s.add(batch)
            s.flush()
            for pos, it in enumerate(items):
                s.add(Item(batch_id=batch.id, position=pos, external_id=str(it["external_id"]), input_text=it["text"],
                           input_hash=input_hash(it["text"]), prediction=it["prediction"],
                           confidence=float(it.get("confidence", 1.0)), disagreement=float(it.get("disagreement", 0.0)),
                           explanation_ref=it.get("explanation_ref", "")))
            return batch.id

    def same_batch(self, task: str, model_name: str, model_version: str, items: Sequence[dict]) -> int | None:
        """The newest stored batch with this model and the same items (ids and texts, in order), or None."""
        want = [(str(it["external_id"]), input_hash(it["text"])) for it in items]
        with self.session() as s:
            ids = list(s.scalars(select(Batch.id).where(Batch.task == task, Batch.model_name == model_name,
                                                        Batch.model_version == model_version)
                                 .order_by(Batch.id.desc())))
            for bid in ids:
                have = s.execute(select(Item.external_id, Item.input_hash).where(Item.batch_id == bid)
                                 .order_by(Item.position)).all()
                if [tuple(r) for r in have] == want:
                    return bid
        return None

    def batches(self) -> list[dict]:
        with self.session() as s:
            rows = s.execute(select(Batch, func.count(Item.id)).join(Item, isouter=True).group_by(Batch.id)
                             .order_by(Batch.id.desc())).all()
            return [{"id": b.id, "task": b.task, "model": b.model_name, "version": b.model_version, "items": n,
                     "source": b.source, "created": b.created_at, "labels": b.labels,
                     "reviews_per_item": b.reviews_per_item or 1, "created_by": b.created_by or ""} for b, n in rows]

    def set_reviews_per_item(self, batch_id: int, k: int, user: str) -> None:
        """Ask for ``k`` independent reviews of each item of a batch from now on (recorded as an event)."""
        if int(k) < 1:
            raise ValueError("reviews_per_item must be at least 1")
        with self.session.begin() as s:
            batch = s.get(Batch, batch_id)
            if batch is None:
                raise KeyError(f"no review batch {batch_id}")
            old, batch.reviews_per_item = batch.reviews_per_item, int(k)
            s.add(Event(user=user, event="reviews_per_item", batch_id=batch_id, detail={"old": old, "new": int(k)}))

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
        """Items of a batch in review order: least confident first, most rule/model disagreement first, or input.

        ``pending_only``: the items that still need this reviewer: not decided by them, and reviewed by fewer than
        the batch's k reviewers."""
        if order not in QUEUE_ORDERS:
            raise ValueError(f"order must be one of {QUEUE_ORDERS}")
        key = {"uncertainty": (Item.confidence.asc(), Item.position), "disagreement": (Item.disagreement.desc(),
               Item.position), "input": (Item.position,)}[order]
        with self.session() as s:
            items = list(s.scalars(select(Item).where(Item.batch_id == batch_id).order_by(*key)))
            latest = self._latest(s, [i.id for i in items], reviewer)
            k = s.get(Batch, batch_id).reviews_per_item or 1 if items else 1
            counts = dict(s.execute(select(Decision.item_id, func.count(Decision.reviewer.distinct()))
                                    .join(Item, Item.id == Decision.item_id).where(Item.batch_id == batch_id)
                                    .group_by(Decision.item_id)).all())
        views = [ItemView(i.id, i.batch_id, i.position, i.external_id, i.input_text, i.prediction, i.confidence,
                          i.disagreement, _decision_dict(latest[i.id]) if i.id in latest else None) for i in items]
        if not pending_only:
            return views
        return [v for v in views if v.decision is None and counts.get(v.id, 0) < k]

    def item(self, item_id: int, reviewer: str) -> ItemView:
        """One item with this reviewer's latest decision on it (KeyError when there is no such item)."""
        with self.session() as s:
            i = s.get(Item, item_id)
            if i is None:
                raise KeyError(f"no review item {item_id}")
            d = self._latest(s, [item_id], reviewer).get(item_id)
            return ItemView(i.id, i.batch_id, i.position, i.external_id, i.input_text, i.prediction, i.confidence,
                            i.disagreement, _decision_dict(d) if d is not None else None)

    def decide(self, item_id: int, reviewer: str, action: str, new_value: dict | None = None,
               comment: str = "", expect=UNCHECKED) -> int:
        """Record a decision (never overwriting): accept the prediction, reject it, or correct it to ``new_value``.

        A correction to the predicted value is stored as an accept. ``expect``: the id of the reviewer's latest
        decision on the item as the card showed it (None: none); if the store holds another, nothing is stored and
        ``StaleDecision`` is raised (the card was stale: decided meanwhile in another tab)."""
        reviewer = reviewer.strip()
        if not reviewer:
            raise ValueError("a reviewer name is required")
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}")
        if action == "correct" and not new_value:
            raise ValueError("a correction needs the corrected value")
        from biofm.review.codec import codec_for

        with self.session.begin() as s:
            # take the write lock before reading the previous decision, so concurrent reviewers chain old -> new
            # (SQLite: a no-op UPDATE takes the database's write lock; server databases: a row lock FOR UPDATE)
            s.execute(update(Item).where(Item.id == item_id).values(position=Item.position))
            item = s.get(Item, item_id, with_for_update=True)
            if item is None:
                raise KeyError(f"no review item {item_id}")
            batch = s.get(Batch, item.batch_id)
            predicted = codec_for(batch.task).value(item.prediction)
            prev = self._latest(s, [item_id], reviewer).get(item_id)
            if expect is not UNCHECKED and (prev.id if prev is not None else None) != expect:
                raise StaleDecision(item.external_id, _decision_dict(prev) if prev is not None else None)
            if action == "correct" and new_value == predicted:
                action = "accept"  # "Save correction" with the predicted value unchanged
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
        """(item, value) pairs. With ``reviewer``: that reviewer's accepted or corrected values (their latest
        decision, rejections left out). Without: the batch's labels (``final``): gold where adjudicated, else the
        value its reviewers agree on; items still in disagreement, rejected or excluded are left out."""
        if reviewer is None:
            return [(view, value) for view, value, _ in self.final(batch_id)]
        with self.session() as s:
            items = list(s.scalars(select(Item).where(Item.batch_id == batch_id).order_by(Item.position)))
            latest = self._latest(s, [i.id for i in items], reviewer)
        out = []
        for i in items:
            d = latest.get(i.id)
            if d is not None and d.action != "reject" and d.new_value is not None:
                out.append((_view(i, _decision_dict(d)), d.new_value))
        return out

    def reviewers(self, batch_id: int) -> list[str]:
        with self.session() as s:
            return sorted(s.scalars(select(Decision.reviewer).join(Item, Item.id == Decision.item_id)
                                    .where(Item.batch_id == batch_id).distinct()))

    def reviewer_values(self, batch_id: int) -> dict[int, dict[str, dict | None]]:
        """item id -> {reviewer: their latest value (None: rejected)} for every reviewed item of the batch."""
        with self.session() as s:
            rows = s.scalars(select(Decision).join(Item, Item.id == Decision.item_id)
                             .where(Item.batch_id == batch_id).order_by(Decision.id))
            out: dict[int, dict[str, dict | None]] = {}
            for d in rows:
                out.setdefault(d.item_id, {})[d.reviewer] = None if d.action == "reject" else d.new_value
            return out

    # adjudication ------------------------------------------------------------------------------------------
    def gold(self, batch_id: int) -> dict[int, dict]:
        """item id -> its latest adjudication (a dict like ``adjudications`` rows; new_value None: excluded)."""
        with self.session() as s:
            rows = s.scalars(select(Adjudication).join(Item, Item.id == Adjudication.item_id)
                             .where(Item.batch_id == batch_id).order_by(Adjudication.id))
            return {a.item_id: _adjudication_dict(a) for a in rows}

    def disagreements(self, batch_id: int, include_resolved: bool = False) -> list[dict]:
        """Items on which two or more reviewers' latest values differ (a rejection counts as a value), least
        confident first: {"item": ItemView, "values": {reviewer: value}, "gold": adjudication or None}. Without
        ``include_resolved`` only items no curator has adjudicated since."""
        values, gold = self.reviewer_values(batch_id), self.gold(batch_id)
        with self.session() as s:
            items = list(s.scalars(select(Item).where(Item.batch_id == batch_id)
                                   .order_by(Item.confidence.asc(), Item.position)))
        out = []
        for i in items:
            vals = values.get(i.id, {})
            if len(vals) < 2 or len({_canonical(v) for v in vals.values()}) < 2:
                continue
            if i.id in gold and not include_resolved:
                continue
            out.append({"item": _view(i, None), "values": vals, "gold": gold.get(i.id)})
        return out

    def adjudicate(self, item_id: int, curator: str, value: dict | None, comment: str = "") -> int:
        """The curator's gold label for an item (None: leave the item out of exports), appended to the audit trail
        with the previous gold label and every reviewer's value at this moment. Returns the adjudication id."""
        curator = curator.strip()
        if not curator:
            raise ValueError("a curator is required")
        with self.session.begin() as s:
            s.execute(update(Item).where(Item.id == item_id).values(position=Item.position))  # the write lock
            item = s.get(Item, item_id, with_for_update=True)
            if item is None:
                raise KeyError(f"no review item {item_id}")
            prev = s.scalars(select(Adjudication).where(Adjudication.item_id == item_id)
                             .order_by(Adjudication.id.desc()).limit(1)).first()
            reviewers = {}
            for d in s.scalars(select(Decision).where(Decision.item_id == item_id).order_by(Decision.id)):
                reviewers[d.reviewer] = None if d.action == "reject" else d.new_value
            a = Adjudication(item_id=item_id, curator=curator, old_value=prev.new_value if prev else None,
                             new_value=value, reviewer_values=reviewers, comment=comment)
            s.add(a)
            s.flush()
            return a.id

    def adjudications(self, batch_id: int) -> list[dict]:
        """Every adjudication of the batch, oldest first: who, when, old and new gold, the reviewers' values."""
        with self.session() as s:
            rows = s.execute(select(Adjudication, Item.external_id).join(Item, Item.id == Adjudication.item_id)
                             .where(Item.batch_id == batch_id).order_by(Adjudication.id)).all()
            return [{**_adjudication_dict(a), "item": ext} for a, ext in rows]

    def final(self, batch_id: int) -> list[tuple[ItemView, dict, str]]:
        """(item, label, how) for every item with a label: how is 'adjudicated' (a curator's gold label) or
        'agreed' (every reviewer of the item gave this value; one reviewer counts). Items in disagreement and not
        adjudicated, rejected by all their reviewers, or excluded by a curator are left out."""
        values, gold = self.reviewer_values(batch_id), self.gold(batch_id)
        with self.session() as s:
            items = list(s.scalars(select(Item).where(Item.batch_id == batch_id).order_by(Item.position)))
        out = []
        for i in items:
            if i.id in gold:
                g = gold[i.id]
                if g["new_value"] is not None:
                    out.append((_view(i, {"status": "adjudicated", **g}), g["new_value"], "adjudicated"))
                continue
            vals = list(values.get(i.id, {}).values())
            if vals and len({_canonical(v) for v in vals}) == 1 and vals[0] is not None:
                out.append((_view(i, {"status": "agreed", "reviewers": len(vals)}), vals[0], "agreed"))
        return out

    def progress(self, batch_id: int) -> dict[str, int]:
        """Counts for a batch: items, reviews asked per item (k), items with k reviews, disagreements open."""
        values = self.reviewer_values(batch_id)
        batch = self.batch(batch_id)
        k = batch["reviews_per_item"]
        return {"items": batch["items"], "k": k, "complete": sum(1 for v in values.values() if len(v) >= k),
                "open disagreements": len(self.disagreements(batch_id)), "labelled": len(self.final(batch_id))}

    # events ------------------------------------------------------------------------------------------------
    def log_event(self, user: str, event: str, batch_id: int | None = None, detail: dict | None = None) -> int:
        with self.session.begin() as s:
            e = Event(user=user, event=event, batch_id=batch_id, detail=detail or {})
            s.add(e)
            s.flush()
            return e.id

    def events(self, batch_id: int | None = None) -> list[dict]:
        with self.session() as s:
            q = select(Event).order_by(Event.id)
            if batch_id is not None:
                q = q.where(Event.batch_id == batch_id)
            return [{"id": e.id, "created_at": e.created_at, "user": e.user, "event": e.event,
                     "batch_id": e.batch_id, "detail": e.detail} for e in s.scalars(q)]

    # agreement and metrics (through the task's review codec) ---------------------------------------------
    def _codec(self, batch_id: int):
        from biofm.review.codec import codec_for

        batch = self.batch(batch_id)
        return codec_for(batch["task"]), batch["labels"]

    def kappa(self, batch_id: int, reviewer_a: str, reviewer_b: str) -> dict[str, float | None]:
        """Cohen's kappa (scikit-learn's) per label on the items both reviewers labelled (None where undefined)."""
        from biofm.review.agreement import pair_kappa

        codec, labels = self._codec(batch_id)
        return pair_kappa(codec, labels, self.reviewer_values(batch_id), reviewer_a, reviewer_b)

    def agreement(self, batch_id: int) -> dict[str, list[dict]]:
        """Every agreement measure of a batch (``biofm.review.agreement.agreement``): Krippendorff's alpha per label
        and overall, Cohen's kappa per pair of reviewers, span F1 between reviewers for entities."""
        from biofm.review.agreement import agreement

        codec, labels = self._codec(batch_id)
        return agreement(codec, labels, self.reviewer_values(batch_id))

    def model_metrics(self, batch_id: int, reviewer: str | None = None) -> dict[str, dict]:
        """The model's predictions scored against reviewed values (a reviewer's, or the batch's labels)."""
        codec, labels = self._codec(batch_id)
        rows = self.reviewed(batch_id, reviewer)
        return codec.metrics(rows, labels) if rows else {}  # nothing reviewed yet: nothing to score

    # export ------------------------------------------------------------------------------------------------
    def export(self, batch_id: int, fmt: str, reviewer: str | None = None, user: str = "") -> bytes:
        """Reviewed items in the formats the task's trainer reads (the codec's export formats).

        With ``reviewer``: that reviewer's own values. Without: the batch's labels (``final``), gold where a curator
        adjudicated, and CSV/JSONL rows say so in an ``adjudicated`` column (true/false). ``user``: who exported
        (recorded as an 'export' event)."""
        codec, labels = self._codec(batch_id)
        if fmt not in codec.export_formats:
            raise ValueError(f"format must be one of {', '.join(codec.export_formats)}")
        if reviewer is not None:
            rows = self.reviewed(batch_id, reviewer)
            data = codec.export(rows, fmt, labels)
        else:
            final = self.final(batch_id)
            rows = [(view, value) for view, value, _ in final]
            data = _mark_adjudicated(codec.export(rows, fmt, labels), fmt, [how == "adjudicated" for *_, how in final])
        if user:
            self.log_event(user, "export", batch_id, {"format": fmt, "rows": len(rows), "reviewer": reviewer,
                                                      "adjudicated": sum(1 for v, _ in rows
                                                                         if (v.decision or {}).get("status")
                                                                         == "adjudicated")})
        return data


def _mark_adjudicated(data: bytes, fmt: str, flags: list[bool]) -> bytes:
    """Add the ``adjudicated`` column (CSV) or key (JSONL) to an export, one flag per row in order."""
    import csv
    import io
    import json

    if fmt == "jsonl":
        lines = data.decode("utf-8").splitlines()
        return "".join(json.dumps({**json.loads(line), "adjudicated": flag}, ensure_ascii=False) + "\n"
                       for line, flag in zip(lines, flags)).encode("utf-8")
    if fmt != "csv":
        return data  # CoNLL has no place for it; the page says how many rows are adjudicated
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*rows[0], "adjudicated"])
    writer.writerows([*row, str(flag).lower()] for row, flag in zip(rows[1:], flags))
    return buf.getvalue().encode("utf-8")


def _canonical(value) -> str:
    """A value as comparable text (entity lists in span order, keys sorted)."""
    import json

    def norm(v):
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            items = [norm(x) for x in v]
            return sorted(items, key=lambda x: json.dumps(x, sort_keys=True)) if all(isinstance(x, dict)
                                                                                    for x in items) else items
        return v

    return json.dumps(norm(value), sort_keys=True)


def _view(i: Item, decision: dict | None) -> ItemView:
    return ItemView(i.id, i.batch_id, i.position, i.external_id, i.input_text, i.prediction, i.confidence,
                    i.disagreement, decision)


def _adjudication_dict(a: Adjudication) -> dict:
    return {"id": a.id, "item_id": a.item_id, "curator": a.curator, "created_at": a.created_at,
            "old_value": a.old_value, "new_value": a.new_value, "reviewer_values": a.reviewer_values or {},
            "comment": a.comment}



def _decision_dict(d: Decision) -> dict:
    return {"id": d.id, "item_id": d.item_id, "reviewer": d.reviewer, "created_at": d.created_at, "action": d.action,
            "old_value": d.old_value, "new_value": d.new_value, "comment": d.comment, "model_name": d.model_name,
            "model_version": d.model_version, "input_hash": d.input_hash}
