"""A text task declared by its output field: a new task that reads notes and puts one head on the encoder is a
folder whose ``__init__.py`` subclasses :class:`TextHeadKind`, sets ``name``, ``title`` and ``output`` (a field of
:mod:`biofm.tasks.fields`), and registers it. Reading, windowed prediction, rows, review, maps, explanations,
metrics and training (:func:`biofm.tasks.train_head.train_text_head`) then come from the field type.

Example (``biofm/tasks/side_effects/__init__.py``)::

    from biofm.tasks.base import register
    from biofm.tasks.fields import MultiLabelProbs
    from biofm.tasks.text_head import TextHeadKind

    class SideEffects(TextHeadKind):
        name, title = "side-effects", "Adverse drug events (multi-label)"
        output = MultiLabelProbs("labels")

    KIND = register(SideEffects())
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from biofm.records import TextRecord
from biofm.tasks.base import Option, Predictions, TaskKind, common_train_options
from biofm.tasks.fields import ClassProbs, MultiLabelProbs, OutputField
from biofm.tasks.text_classify.kind import TEXT_READ_OPTIONS, TextClassifier, window_means


@dataclass
class HeadPredictions(Predictions):
    """Predictions of a :class:`TextHeadKind`: the field's value ``[n, L]`` over ``label_names``, embeddings
    ``[n, d]``, the true labels the input held."""

    label_names: list[str] = field(default_factory=list, metadata={"shared": True})
    values: np.ndarray = None
    output: OutputField = field(default=None, metadata={"shared": True})
    true_labels: list = field(default_factory=list)

    def outputs(self) -> list[tuple]:
        return [(self.output, self.label_names, self.values)]


class HeadAdapter(TextClassifier):
    """Windows like the document classifier; per document the mean of window logits, then the field's
    ``from_logits`` (softmax, sigmoid or the values themselves)."""

    def __init__(self, loaded, output: OutputField, **options) -> None:
        super().__init__(loaded, **options)
        self.output = output

    def postprocess(self, records: Sequence[TextRecord], prepared, outputs) -> HeadPredictions:
        labels, n = list(self.spec.labels), len(records)
        values, emb, counts = np.zeros((0, len(labels)), np.float32), None, np.zeros(0, int)
        if n:
            logits, emb, counts = window_means(outputs, prepared.context, n)
            values = self.output.from_logits(logits)
        return HeadPredictions([r.id for r in records], [r.text for r in records], emb, self.spec.name,
                               counts.tolist(), labels, values, self.output, [r.label for r in records])


class FieldObjective:
    """What an explanation of a :class:`TextHeadKind` attributes: the field's score of one target
    (:meth:`biofm.tasks.fields.OutputField.score`: a class's softmax share, a label's own sigmoid, a value)."""

    def __init__(self, kind: "TextHeadKind") -> None:
        self.kind = kind

    def window_start(self, target, offsets, n_tokens: int, body: int) -> int:
        return 0

    def score(self, loaded, ids, mask, target, text: str, window):
        j = target_index(loaded, ids, mask, target)
        output = self.kind.output_for(loaded.spec)
        return (lambda logits: output.score(logits, j)), loaded.spec.labels[j]


def target_index(loaded, ids, mask, target) -> int:
    """The head output an explanation is of: ``target``'s label, or the top logit of this window when None.
    ValueError names the model's labels when the target is not one of them."""
    from biofm.explain.attribution import model_logits

    labels = list(loaded.spec.labels)
    if target is None:
        return int(model_logits(loaded, ids, mask)[0].argmax())
    if target.label not in labels:
        raise ValueError(f"unknown target {target.label!r}; the model's labels are {labels}")
    return labels.index(target.label)


class TextHeadKind(TaskKind):
    """A text task with one output field on a sequence-classification head over the encoder (see the module)."""

    output: OutputField = ClassProbs("label")
    adapter_class = HeadAdapter
    peft_task = "SEQ_CLS"
    verbs = (*TaskKind.verbs, "compare")
    read_options = (*TEXT_READ_OPTIONS, Option("label_column", "column holding a true label (optional; "
                                                                "multi-label: names joined by ';')"))
    train_file_types = ("csv", "jsonl")

    def __init__(self) -> None:
        if not isinstance(self.output, OutputField):  # e.g. ``output = MultiLabelProbs``, the class itself
            raise TypeError(f"{type(self).__name__}.output must be an output field, e.g. MultiLabelProbs(\"labels\") "
                            f"or ClassProbs(\"label\"), not {self.output!r}")

    @property
    def train_options(self) -> tuple[Option, ...]:
        column = "labels" if isinstance(self.output, MultiLabelProbs) else "label"
        return (*common_train_options(epochs=8, batch_size=16), Option("text_column", "text column (default: guessed)"),
                Option("label_column", "label column" + (" (label names joined by ';')" if column == "labels" else ""),
                       column),
                Option("dev_fraction", "share held out for model selection when no dev file is given", 0.2, float))

    @property
    def codec(self):
        return self.output.codec

    @property
    def objective(self):
        return FieldObjective(self)

    def output_for(self, spec) -> OutputField:
        """The field with the model's own settings (a multi-label model's per-label thresholds)."""
        thresholds = (spec.extra or {}).get("thresholds")
        if isinstance(self.output, MultiLabelProbs) and thresholds:
            return MultiLabelProbs(self.output.name, thresholds)
        return self.output

    @staticmethod
    def auto_class():
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def adapter(self, loaded, **options) -> HeadAdapter:
        return self.adapter_class(loaded, self.output_for(loaded.spec), **options)

    def summary(self, preds: HeadPredictions) -> str:
        return f"{len(preds.ids)} prediction(s)"

    def gold_values(self, names, records) -> list[dict]:
        """Review-form values of the records' true labels (ValueError naming the row when one is not usable)."""
        out = []
        for r in records:
            try:
                out.append(self.output.gold(names, r.label))
            except ValueError as exc:
                raise ValueError(f"row {r.meta.get('row', r.id)}: {exc}") from None
        return out

    def evaluate(self, loaded, records) -> dict:
        """The field's metrics of the model on records with true labels (the Models page's comparison)."""
        names = list(loaded.spec.labels)
        preds = self.adapter(loaded).predict(list(records))
        m = self.output_for(loaded.spec).metrics(names, self.gold_values(names, records), preds.values)
        return {k: round(v, 4) for k, v in m.items() if isinstance(v, float)}

    def check_training_file(self, path, config: dict) -> str:
        from biofm.tasks.train_head import read_head_file

        names, records, gold = read_head_file(self, path, config)
        counts = self.output.codec.label_names(gold, names)
        per = {n: sum(self.output.codec.is_positive(g, n) for g in gold) for n in counts}
        return f"{len(records)} labelled items: " + ", ".join(f"{n} {k}" for n, k in per.items())

    def train(self, config: dict, progress=None, should_stop=None) -> str:
        from biofm.tasks.train_head import train_text_head

        return train_text_head(self, config, progress, should_stop)
