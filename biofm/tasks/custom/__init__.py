"""The ``custom`` task, in one folder: the user's own labels, zero-shot at once, few-shot from reviewed notes.

- :mod:`.labelset`  the label set (names + one-line descriptions, single- or multi-label), ``labels.json``
- :mod:`.zeroshot`  cosine similarity of note and description embeddings, calibrated per label
- :mod:`.model`     the network (encoder + linear head), its folder layout, specs
- :mod:`.fewshot`   SetFit training of a new version, thresholds, dev metrics, version comparison
- :mod:`.teach`     teach order, accept-above-confidence, the fixed dev part, the learning curve
- :mod:`.adapter`   predictions and adapter (used by the kind and by few-shot training)
- :mod:`.kind`      review codec, explanation objective, the TaskKind
- :mod:`.testing`   inputs for the table-driven test of every task
"""

from biofm.tasks.base import register
from biofm.tasks.custom.adapter import CustomPredictions
from biofm.tasks.custom.kind import CustomKind
from biofm.tasks.custom.labelset import Label, LabelSet, LabelSetError, label_set, load_label_set, save_label_set

KIND = register(CustomKind())

__all__ = ["KIND", "CustomKind", "CustomPredictions", "Label", "LabelSet", "LabelSetError", "label_set",
           "load_label_set", "save_label_set"]
