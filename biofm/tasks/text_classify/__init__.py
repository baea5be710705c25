"""The ``text-classify`` task, in one folder: the disease category of clinical documents.

- :mod:`.kind`     predictions, adapter (sliding windows), review codec, the TaskKind
- :mod:`.data`     training files: checked before a job starts, read, label-mapped
- :mod:`.train`    fine-tuning (full or LoRA), dev scores, the TF-IDF + logistic regression baseline
- :mod:`.testing`  inputs for the table-driven test of every task
"""

from biofm.tasks.base import register
from biofm.tasks.text_classify.kind import (TEXT_READ_OPTIONS, LabelCodec, TextClassifier, TextClassifyKind,
                                            TextPredictions, mean_by_owner)

KIND = register(TextClassifyKind())

__all__ = ["KIND", "TEXT_READ_OPTIONS", "LabelCodec", "TextClassifier", "TextClassifyKind", "TextPredictions",
           "mean_by_owner"]
