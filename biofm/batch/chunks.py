"""Files to chunks of records, and chunks to output rows: the two steps both batch engines run.

A chunk is one plain row (``source``, ``chunk``, ``records`` as JSON, ``errors`` as JSON), so Ray can move it between
machines as Arrow data. Files are parsed by the task's own reader, so rows, ids and errors are those of
``biofm predict``; the predictor writes the rows the task's writer would write.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from pathlib import PurePosixPath

from biofm.records import ReadResult, RowError, record_row

CHUNK_ROWS = 256


def record_to_json(record) -> dict:
    cls = type(record)
    return {**dataclasses.asdict(record), "_type": f"{cls.__module__}:{cls.__qualname__}"}


def record_from_json(data: dict):
    data = dict(data)
    module, name = data.pop("_type").split(":")
    if not module.startswith("biofm."):
        raise ValueError(f"not a biofm record type: {module}:{name}")
    return getattr(importlib.import_module(module), name)(**data)


def error_from_json(data: dict) -> RowError:
    """A row error back from its ``as_dict()`` form (chunks and the Ray driver both read them)."""
    return RowError(int(data["row"]), str(data["field"]), str(data["message"]), str(data["source"]))


def parse_file(task: str, name: str, data: bytes, options: dict, chunk_rows: int = CHUNK_ROWS) -> list[dict]:
    """One file's records in chunks of ``chunk_rows``; each row error travels with the chunk its row falls in.

    A file that cannot be read at all becomes one chunk with no records and the reader's message as a row-0 error."""
    from biofm.io import InputError
    from biofm.tasks import get_task

    source = PurePosixPath(name).name
    try:
        result = get_task(task).read_upload(data, source, max_rows=None, **options)
    except InputError as exc:
        message = str(exc)
        message = message[len(source) + 2:] if message.startswith(source + ": ") else message
        return [{**_chunk(source, 0, [], [RowError(0, "file", message, source)]), "path": str(name)}]
    records, errors = result.records, list(result.errors)
    chunks = []
    for index, start in enumerate(range(0, max(len(records), 1), chunk_rows)):
        part = records[start:start + chunk_rows]
        last = index == (max(len(records), 1) - 1) // chunk_rows
        upto = None if last else record_row(part[-1])
        mine = [e for e in errors if upto is None or e.row <= upto]
        errors = [e for e in errors if upto is not None and e.row > upto]
        said = getattr(result, "rejected", None) or {}  # what the file said of rejected rows (molecules: id, name)
        chunks.append(_chunk(source, index, part, mine, {e.row: said[e.row] for e in mine if e.row in said}))
    return [{**c, "path": str(name)} for c in chunks]


def _chunk(source: str, index: int, records: list, errors: list[RowError], rejected: dict | None = None) -> dict:
    return {"source": source, "chunk": index, "records": json.dumps([record_to_json(r) for r in records]),
            "errors": json.dumps([e.as_dict() for e in errors]), "rejected": json.dumps(rejected or {})}


def chunk_rejected(chunk: dict) -> dict[int, dict]:
    """The reader's record of each rejected row in a chunk (its id, name and other columns), by row number."""
    return {int(k): v for k, v in json.loads(chunk.get("rejected") or "{}").items()}


def chunk_key(chunk: dict) -> tuple[str, int]:
    """(input path, chunk number): sorting keys gives input order (inputs are sorted paths)."""
    return (str(chunk.get("path", chunk["source"])), int(chunk["chunk"]))


def decode_chunk(chunk: dict) -> tuple[list, list[RowError]]:
    return ([record_from_json(r) for r in json.loads(chunk["records"])],
            [error_from_json(e) for e in json.loads(chunk["errors"])])


class ChunkPredictor:
    """Loads the model once (a Ray actor, or the local engine's one instance) and turns chunks into output rows.

    Output rows are ``{"kind": "row"|"error", "json": ...}``: the task's output rows, then the chunk's row errors.
    A chunk whose inference fails is retried one record at a time, so one bad row costs only itself."""

    def __init__(self, task: str, model, settings, predict_options: dict, detail: bool, threads: int = 0,
                 phi: dict | None = None) -> None:
        from biofm import api

        if threads:
            import torch

            torch.set_num_threads(threads)
        self.task, self.options, self.detail, self.settings = task, predict_options, detail, settings
        self.loaded = api.load(model, task, settings)
        self.phi = phi or {}  # the PHI gate's action, columns and as_is (its mode is settings.phi_gate)
        self.phi_counts: dict = {}  # identifiers the gate found in the last chunk, by type, and rows refused

    def gate(self, records: list, errors: list[RowError], source: str) -> tuple[list, list[RowError]]:
        """The chunk through the PHI gate: de-identified (warn), or each row with identifiers refused as a row
        error naming its types (require); the others go on."""
        from collections import Counter

        from biofm.phi.gate import PhiRefused, applies, check
        from biofm.tasks import get_task

        self.phi_counts = {}
        if not records or self.settings is None or self.settings.phi_gate == "off" or \
                not applies(get_task(self.task)):
            return records, errors
        try:
            result = check(records, self.settings.phi_gate, action=self.phi.get("action", "redact"),
                           columns=self.phi.get("columns"), as_is=self.phi.get("as_is", False),
                           settings=self.settings, task=self.task)
        except PhiRefused as refused:
            result = refused.result
            bad = {f.index for f in result.findings}
            for row, rid, counts, fields in result.rows_with_phi():
                errors = errors + [RowError(row, "phi", "refused by the PHI gate (require): " + ", ".join(
                    f"{k} {v}" for k, v in sorted(counts.items())) + f" in {', '.join(fields)} (id {rid})",
                    result.sources.get(source, source))]
            self.phi_counts = {**result.counts(), "_refused": len(bad)}
            return [r for i, r in enumerate(records) if i not in bad], result.clean_errors(errors)
        self.phi_counts = dict(Counter(result.counts()))
        return result.records, errors if result.as_is else result.clean_errors(errors)

    def rows(self, chunk: dict) -> tuple[list[dict], list[RowError]]:
        from biofm import api
        from biofm.tasks import get_task

        records, errors = decode_chunk(chunk)
        records, errors = self.gate(records, errors, str(chunk["source"]))
        kind = get_task(self.task)
        good, preds, failed = api.predict_isolating(self.task, records, self.loaded, self.settings, **self.options)
        if failed:
            failed = [dataclasses.replace(e, source=e.source or chunk["source"]) for e in failed]
            errors = sorted(errors + failed, key=lambda e: e.row)
        read = ReadResult(good, errors)
        read.rejected = chunk_rejected(chunk)
        out = kind.output_rows(preds, read, self.detail) if (good or errors) else []
        return out, sorted(errors + list(preds.rejected), key=lambda e: e.row)

    def __call__(self, batch: dict) -> dict:
        """Ray's ``map_batches`` entry: a batch of chunk rows (numpy columns) to output rows."""
        kinds, payloads = [], []
        for i in range(len(batch["records"])):
            chunk = {k: batch[k][i] for k in ("source", "chunk", "records", "errors", "rejected", "path") if k in batch}
            rows, errors = self.rows(chunk)
            kinds += ["row"] * len(rows) + ["error"] * len(errors)
            payloads += [json.dumps(r, ensure_ascii=False, default=_plain) for r in rows]
            payloads += [json.dumps(e.as_dict(), ensure_ascii=False) for e in errors]
            if self.phi_counts:
                kinds.append("phi")
                payloads.append(json.dumps(self.phi_counts))
            kinds.append("done")
            payloads.append(json.dumps(list(chunk_key(chunk))))  # the chunk's end: the driver stores it as a part
        return {"kind": kinds, "json": payloads}


def _plain(value):
    """numpy scalars and other simple values in output rows, as JSON."""
    if hasattr(value, "item"):
        return value.item()
    return str(value)
