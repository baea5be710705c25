"""CoNLL token-per-line files: ``token<TAB>tag`` (tag optional), blank line between sentences."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from biofm.records import RowError, TextRecord


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str] | None
    line: int  # 1-based line of the first token

    def to_record(self, idx: int) -> tuple[TextRecord, list[tuple[int, int]]]:
        """The sentence as text (tokens joined by single spaces) and each token's character span."""
        spans, pos = [], 0
        for tok in self.tokens:
            spans.append((pos, pos + len(tok)))
            pos += len(tok) + 1
        return TextRecord(id=str(idx), text=" ".join(self.tokens), meta={"line": self.line}), spans


def read_conll(path: str | Path) -> tuple[list[Sentence], list[RowError]]:
    """Sentences with optional gold tags; malformed lines are reported, not fatal."""
    path = Path(path)
    raw = path.read_bytes()
    if not raw.strip():
        from biofm.io.text import InputError

        raise InputError(f"{path.name}: the file is empty")
    from biofm.io.text import bad_utf8, decode_text

    sentences, errors = [], []
    tokens: list[str] = []
    tags: list[str] = []
    untagged: list[int] = []
    start = 0

    def close() -> None:
        if tokens:
            if tags and untagged:  # some lines of a tagged sentence lost their tag: say which
                errors.extend(RowError(n, "tag", "token has no tag (the rest of its sentence has tags)", path.name)
                              for n in untagged)
            sentences.append(Sentence(tokens, iob2(tags) if len(tags) == len(tokens) else None, start))

    for no, line in enumerate(decode_text(raw, path.name).splitlines(), start=1):
        if not line.strip():
            close()
            tokens, tags, untagged = [], [], []
            continue
        bad = bad_utf8(line)
        if bad:
            errors.append(RowError(no, "line", bad, path.name))
            line = line.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")
        cols = line.split("\t") if "\t" in line else line.split()
        if not tokens:
            start = no
        tokens.append(cols[0])
        if len(cols) >= 2:
            tag = cols[-1].strip()
            if tag != "O" and tag[:2] not in ("B-", "I-"):
                errors.append(RowError(no, "tag", f"tag {tag!r} is not O, B-X or I-X", path.name))
                tag = "O"
            tags.append(tag)
        else:
            untagged.append(no)
    close()
    return sentences, errors


def iob2(tags: list[str]) -> list[str]:
    """IOB1 (``I-X`` opens an entity; ``B-X`` only between two adjacent ones) to IOB2 (every entity opens with
    ``B-X``): an ``I-X`` that does not continue an ``X`` becomes ``B-X``. IOB2 input is unchanged. The decoder reads
    both the same way; training, the page's file check and seqeval all see IOB2."""
    out, prev = [], "O"
    for tag in tags:
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            tag = "B-" + tag[2:]
        out.append(tag)
        prev = tag
    return out


def tags_for_tokens(spans: list[tuple[int, int]], entities) -> list[str]:
    """BIO tags for tokens at character ``spans`` from predicted entities (``start``, ``end``, ``label``)."""
    tags = ["O"] * len(spans)
    for ent in entities:
        inside = [i for i, (s, e) in enumerate(spans) if s >= ent.start and e <= ent.end]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + ent.label
    return tags


def write_conll(path: str | Path, sentences: list[Sentence], predicted: list[list[str]]) -> Path:
    """``token<TAB>gold<TAB>predicted`` lines (gold is ``_`` where the input had none)."""
    from biofm.io.writers import atomic_output

    path = Path(path)
    with atomic_output(path) as fh:
        for sent, pred in zip(sentences, predicted):
            gold = sent.tags or ["_"] * len(sent.tokens)
            for tok, g, p in zip(sent.tokens, gold, pred):
                fh.write(f"{tok}\t{g}\t{p}\n")
            fh.write("\n")
    return path


def documents_to_conll(docs) -> str:
    """CoNLL text for (text, entities) pairs: word/punctuation tokens with BIO tags from the entity spans."""
    import re

    lines = []
    for text, entities in docs:
        toks = [(m.start(), m.end()) for m in re.finditer(r"\w+|[^\w\s]", text)]
        for (s, e), tag in zip(toks, tags_for_tokens(toks, entities)):
            lines.append(f"{text[s:e]}\t{tag}")
        lines.append("")
    return "\n".join(lines) + "\n"
