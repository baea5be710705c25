from biofm.io.conll import Sentence
from biofm.tasks import get_task
from tests.conftest import load_tiny
from biofm.records import TextRecord
from biofm.tasks.ner.kind import NerTagger
from biofm.train.common import TrainConfig
from biofm.tasks.ner.train import bio_labels, train_ner


def toy_sentences(n=24):
    out = []
    for i in range(n):
        if i % 2:
            out.append(Sentence(["patient", "took", "aspirin", "today"], ["O", "O", "B-Chemical", "O"], i))
        else:
            out.append(Sentence(["severe", "asthma", "attack", "noted"], ["O", "B-Disease", "I-Disease", "O"], i))
    return out


def test_ner_training_lowers_the_loss_and_the_saved_tagger_predicts(tiny_tagger_dir, tmp_path):
    sents = toy_sentences()
    assert bio_labels(sents) == ["O", "B-Chemical", "I-Chemical", "B-Disease", "I-Disease"]
    cfg = TrainConfig(base=str(tiny_tagger_dir), method="full", epochs=8, lr=3e-3, batch_size=8, max_length=16,
                      seed=0, device="cpu", precision="fp32", patience=10)
    result = train_ner(get_task("ner"), sents[:20], sents[20:], tmp_path / "ner", name="toy-ner", cfg=cfg)
    losses = [h["train_loss"] for h in result["history"]]
    assert losses[-1] < losses[0] * 0.8
    assert set(result["dev"]["per_type"]) >= {"overall"}
    tagger = NerTagger(load_tiny(tmp_path / "ner", "ner"))
    preds = tagger.predict([TextRecord("x", "patient took aspirin today")])
    assert all(e.label in ("Chemical", "Disease") for e in preds.entities[0])
