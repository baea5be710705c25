import pytest
import torch

from biofm.entities import decode_bio
from biofm.io.conll import read_conll, tags_for_tokens, write_conll
from biofm.records import TextRecord
from biofm.tasks.ner.kind import NerTagger
from biofm.train.metrics import entity_prf
from biofm.tasks.windows import best_window, window_starts


def test_words_have_exact_offsets_on_tricky_text(tiny_tagger):
    text = "Naïve  pt:\tcisplatin-induced nephrotoxicity (CIN)… antidisestablishmentarianism"
    _, words = NerTagger(tiny_tagger).words(text)
    got = [text[w.start:w.end] for w in words]
    assert got == ["Naïve", "pt", ":", "cisplatin", "-", "induced", "nephrotoxicity", "(", "CIN", ")", "…",
                   "antidisestablishmentarianism"]


@pytest.mark.parametrize("tags,spans", [
    (["O", "B-Disease", "I-Disease", "O"], [("Disease", 1, 2)]),
    (["B-Chemical", "B-Chemical"], [("Chemical", 0, 0), ("Chemical", 1, 1)]),
    (["I-Disease", "I-Disease", "O"], [("Disease", 0, 1)]),
    (["B-Chemical", "I-Disease"], [("Chemical", 0, 0), ("Disease", 1, 1)]),
    (["O", "O"], []),
])
def test_decode_bio(tags, spans):
    assert decode_bio(tags) == spans


def test_best_window_prefers_the_most_central_position():
    starts = window_starts(40, 14, 10)  # [0, 10, 20, 26]
    assert starts == [0, 10, 20, 26]
    assert best_window(12, starts, 14) == 0 or best_window(12, starts, 14) == 1
    assert best_window(17, starts, 14) == 1 and best_window(39, starts, 14) == 3


class KeywordTagger(NerTagger):
    """The real windowing and decoding, with logits that depend only on the token: 'aspirin' is a Chemical."""

    def forward(self, input_ids, attention_mask):
        aspirin = self.tokenizer("aspirin", add_special_tokens=False)["input_ids"]
        logits = torch.full((*input_ids.shape, len(self.labels)), -5.0)
        logits[..., 0] = 5.0
        hit = torch.isin(input_ids, torch.tensor(aspirin))
        logits[hit] = torch.tensor([-5.0, 5.0, -5.0, -5.0, -5.0])
        return {"logits": logits, "pooled": torch.zeros(input_ids.shape[0], 4)}


def test_entities_at_window_edges_are_found_once(tiny_tagger):
    tagger = KeywordTagger(tiny_tagger)  # max_length 16 -> windows of 14 tokens every 10
    words = [f"w{i}" if i % 7 else "aspirin" for i in range(1, 120)]
    text = " ".join(words)
    preds = tagger.predict([TextRecord("long", text)], batch_size=3)
    assert preds.windows[0] > 5
    expected = [i for i, w in enumerate(words) if w == "aspirin"]
    ents = preds.entities[0]
    assert len(ents) == len(expected)
    assert all(e.text == "aspirin" and e.label == "Chemical" for e in ents)
    assert len({e.start for e in ents}) == len(ents)
    assert all(text[e.start:e.end] == "aspirin" for e in ents)


def test_predictions_formats(tiny_tagger):
    preds = NerTagger(tiny_tagger).predict([TextRecord("a", "Aspirin and fever."), TextRecord("b", "x")])
    recs = preds.rows(detail=True)
    assert [r["id"] for r in recs] == ["a", "b"] and recs[0]["text"] == "Aspirin and fever."
    for rec in recs:
        for ent in rec["entities"]:
            assert set(ent) == {"start", "end", "label", "text", "score"}
            assert rec["text"][ent["start"]:ent["end"]] == ent["text"]
            assert ent["label"] in ("Chemical", "Disease")
    assert all(list(r) == ["id", "text", "label", "start", "end", "score"] for r in preds.entity_rows())
    assert preds.embeddings.shape == (2, 32)


def test_entity_prf_strict_boundaries():
    gold = [["B-Chemical", "O", "B-Disease", "I-Disease"], ["B-Disease", "O"]]
    pred = [["B-Chemical", "O", "B-Disease", "O"], ["B-Disease", "B-Chemical"]]
    s = entity_prf(gold, pred)
    assert s["Chemical"]["precision"] == 0.5 and s["Chemical"]["recall"] == 1.0
    assert s["Disease"]["precision"] == 0.5 and s["Disease"]["recall"] == 0.5
    assert s["overall"]["f1"] == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_conll_roundtrip_and_token_tags(tmp_path):
    src = tmp_path / "in.tsv"
    src.write_text("Aspirin\tB-Chemical\ninduced\tO\nasthma\tB-Disease\n\nNo\tO\nfever\tBAD\n")
    sents, errors = read_conll(src)
    assert [s.tokens for s in sents] == [["Aspirin", "induced", "asthma"], ["No", "fever"]]
    assert errors[0].row == 6 and "BAD" in errors[0].message
    rec, spans = sents[0].to_record(0)
    assert rec.text == "Aspirin induced asthma" and spans[2] == (16, 22)
    from biofm.entities import Entity

    tags = tags_for_tokens(spans, [Entity(16, 22, "Disease", "asthma", 0.9)])
    assert tags == ["O", "O", "B-Disease"]
    out = write_conll(tmp_path / "out.conll", sents[:1], [tags])
    assert out.read_text().splitlines()[:3] == ["Aspirin\tB-Chemical\tO", "induced\tO\tO", "asthma\tB-Disease\tB-Disease"]


def test_pipelined_chunks_find_the_same_entities(tiny_tagger):
    words = [f"w{i}" if i % 7 else "aspirin" for i in range(1, 60)]
    recs = [TextRecord(str(i), " ".join(words[: 5 + 9 * i])) for i in range(6)]
    whole = KeywordTagger(tiny_tagger).predict(recs)
    chunked = KeywordTagger(tiny_tagger)
    chunked.chunk_size = 4
    parts = chunked.predict(recs)
    assert parts.ids == whole.ids and parts.windows == whole.windows
    assert [[(e.start, e.end, e.label) for e in d] for d in parts.entities] == \
        [[(e.start, e.end, e.label) for e in d] for d in whole.entities]
    assert sum(len(d) for d in whole.entities) > 6


def _pieces(text):
    """BERT's pre-tokenizer words (whitespace and punctuation split) with offsets."""
    import re

    from biofm.tasks.ner.kind import Word

    return [Word(m.start(), m.end(), i) for i, m in enumerate(re.finditer(r"\w+|[^\w\s]", text))]


def _snapped(text, tags):
    from biofm.tasks.ner.kind import snap_to_words

    words = _pieces(text)
    assert len(words) == len(tags)
    return [(kind, text[words[a].start:words[b].end]) for kind, a, b in snap_to_words(text, words, decode_bio(tags))]


@pytest.mark.parametrize("text,tags,expected", [
    # issue 25 item 3: the hyphen of right-sided started the entity
    ("Sudden right-sided weakness", ["O", "O", "B-Disease", "I-Disease", "I-Disease"],
     [("Disease", "right-sided weakness")]),
    # B- on the first piece and again on the hyphen: one entity across the hyphen
    ("Sudden right-sided weakness", ["O", "B-Disease", "B-Disease", "I-Disease", "I-Disease"],
     [("Disease", "right-sided weakness")]),
    # an entity ending on a connector takes the rest of the written word
    ("left-sided chest pain", ["B-Disease", "I-Disease", "O", "O", "O"], [("Disease", "left-sided")]),
    # parts of hyphenated words as the corpora annotate them stay as they are
    ("cisplatin-induced nephrotoxicity", ["B-Chemical", "O", "O", "B-Disease"],
     [("Chemical", "cisplatin"), ("Disease", "nephrotoxicity")]),
    ("kanamycin-colistin and povidone", ["B-Chemical", "O", "B-Chemical", "O", "B-Chemical"],
     [("Chemical", "kanamycin"), ("Chemical", "colistin"), ("Chemical", "povidone")]),
    ("renal failure (CIN).", ["B-Disease", "I-Disease", "O", "B-Disease", "O", "O"],
     [("Disease", "renal failure"), ("Disease", "CIN")]),
    # an extension stops at an entity of another type, and the connector is not left at the edge
    ("aspirin-induced asthma", ["B-Chemical", "B-Disease", "I-Disease", "I-Disease"],
     [("Chemical", "aspirin"), ("Disease", "induced asthma")]),
])
def test_entity_spans_snap_to_written_words(text, tags, expected):
    assert _snapped(text, tags) == expected


def test_entity_edges_split_inside_letters_extend_to_the_word():
    from biofm.tasks.ner.kind import Word, snap_to_words

    text = "given 5mg daily"  # a tokenizer whose pieces split a written word between letters
    words = [Word(0, 5, 0), Word(6, 7, 1), Word(7, 9, 2), Word(10, 15, 3)]
    assert [(k, text[words[a].start:words[b].end]) for k, a, b in snap_to_words(text, words, [("Dose", 2, 2)])] \
        == [("Dose", "5mg")]


@pytest.mark.slow
def test_shipped_ner_keeps_right_sided_whole():
    from biofm import api
    from biofm.config import load_settings

    preds = api.predict("ner", [TextRecord("a", "Sudden right-sided weakness")],
                        settings=load_settings(device="cpu", precision="fp32"))
    texts = [e.text for e in preds.entities[0]]
    assert texts, "the shipped model found no entity"
    assert all(not t.startswith(("-", "sided")) for t in texts), texts
    assert "right-sided weakness" in texts
