"""``reports``: the 14 CheXpert observations of chest imaging reports, by rules (with evidence) and a model."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from biofm.inference import Progress
from biofm.records import TextRecord
from biofm.reports.combine import FinalLabel, combine
from biofm.reports.observations import LABELS, OBSERVATIONS, chexpert_value
from biofm.reports.rules import ReportLabels, label_report
from biofm.tasks.base import ID_COLUMN, Option, Predictions, TaskKind, common_train_options
from biofm.tasks.reports.parts import ObservationCodec, ObservationObjective
from biofm.tasks.text_classify.kind import TextClassifier, mean_by_owner

N_OBS, N_CLS = len(OBSERVATIONS), len(LABELS)


@dataclass
class ReportPredictions(Predictions):
    probs: np.ndarray = None  # [n, 14, 4] model probabilities
    rules: list[ReportLabels] = field(default_factory=list)

    @property
    def model_labels(self) -> list[dict[str, str]]:
        idx = self.probs.argmax(-1)
        return [{o: LABELS[idx[i, j]] for j, o in enumerate(OBSERVATIONS)} for i in range(len(self.ids))]

    def combined(self) -> list[dict[str, FinalLabel]]:
        """Per report and observation the label shown, with its source and evidence (``biofm.reports.combine``)."""
        cached = self.__dict__.get("_combined")
        if cached is None or len(cached) != len(self.ids):
            cached = [combine(r, self.probs[i]) for i, r in enumerate(self.rules)]
            self.__dict__["_combined"] = cached
        return cached

    def final(self) -> list[dict[str, tuple[str, str]]]:
        """Per report and observation: (label, source), source ``rules`` or ``model`` (model only)."""
        return [{o: (f.label, f.source) for o, f in c.items()} for c in self.combined()]

    def rows(self, detail: bool = False) -> list[dict]:
        """CheXpert convention (1, 0, -1, empty) per observation, then ``<observation>_source`` (rules | model);
        detail: per observation the label, its source, both labelers, the model probability and the evidence."""
        if not detail:
            return [{"id": rid, "report": text, **{o: chexpert_value(c[o].label) for o in OBSERVATIONS},
                     **{f"{o}_source": c[o].source for o in OBSERVATIONS}}
                    for rid, text, c in zip(self.ids, self.texts, self.combined())]
        out = []
        for rid, text, c in zip(self.ids, self.texts, self.combined()):
            obs_rows = {}
            for o in OBSERVATIONS:
                f = c[o]
                obs_rows[o] = {"label": f.label, "source": f.source, "rules": f.rules.label, "model": f.model_label,
                               "model_probability": round(f.probability, 4), "evidence": f.evidence,
                               "evidence_start": -1 if f.model_only else f.rules.start,
                               "evidence_end": -1 if f.model_only else f.rules.end,
                               "cue": "" if f.model_only else f.rules.cue}
            out.append({"id": rid, "report": text, "observations": obs_rows})
        return out

    def prevalence(self) -> pd.DataFrame:
        """Counts of positive / uncertain / negative / not mentioned per observation (final labels)."""
        counts = {o: {lab: 0 for lab in LABELS} for o in OBSERVATIONS}
        for fin in self.final():
            for o in OBSERVATIONS:
                counts[o][fin[o][0]] += 1
        return pd.DataFrame(counts).T[list(LABELS)]


class ReportLabeler(TextClassifier):
    """Windows like the classifier, 14 x 4 logits per window averaged per report, plus the rule labeler."""

    def predict(self, records: Sequence, batch_size: int | None = None, progress: Progress | None = None,
                max_tokens: int | None = None) -> ReportPredictions:
        """The model's predictions, with the rule labeler run beside it in a second thread (about 10 ms a report,
        pure Python, while the model's matrix products leave the interpreter free). ``progress(done, total)`` counts
        the reports both labelers have finished, and is called from this thread only."""
        texts = [r.text for r in self.screen(records)[0]]
        rules: list = []
        seen = {"model": 0}

        def run_rules() -> None:
            for t in texts:
                rules.append(label_report(t))

        def report(done: int, total: int) -> None:
            seen["model"] = done
            progress(min(done, len(rules)), total)

        with ThreadPoolExecutor(1, thread_name_prefix="biofm-rules") as pool:
            labelled = pool.submit(run_rules)
            preds = super().predict(records, batch_size, report if progress else None, max_tokens)
            while progress and not labelled.done():  # the model is done; the rules may still be going
                progress(min(seen["model"], len(rules)), len(texts))
                wait([labelled], timeout=0.25)
            labelled.result()  # a rule failure is raised here
        if progress:
            progress(len(texts), len(texts))
        preds.rules = rules
        preds.__dict__.pop("_combined", None)
        return preds

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        pooled = self.model.pooled(input_ids, attention_mask)
        return {"logits": self.model.logits(pooled), "pooled": pooled}

    def postprocess(self, records: Sequence[TextRecord], prepared, outputs) -> ReportPredictions:
        texts = [r.text for r in records]
        probs, emb, counts = np.zeros((0, N_OBS, N_CLS), np.float32), None, np.zeros(0, int)
        if texts:
            probs, emb, counts = mean_by_owner(outputs, prepared.context, len(texts))
        return ReportPredictions([r.id for r in records], texts, emb, self.spec.name, counts.tolist(), probs,
                                 [])  # the rules: filled in by predict


class ReportsKind(TaskKind):
    name = "reports"
    order = 30
    title = "Imaging reports"
    page = "Imaging reports"
    input_kind = "report"
    default_model = "chexpert-reports"
    adapter_class = ReportLabeler
    read_options = (Option("text_column", "column holding the report (default: guessed)", aliases=("--report-column",)),
                    ID_COLUMN)
    train_options = (*(o if o.name != "train" else Option("train", "CheXpert-convention CSV (default: generated)")
                       for o in common_train_options(epochs=4, batch_size=32)),
                     Option("n_train", "generated training reports", 4000, int),
                     Option("n_dev", "generated dev reports", 400, int),
                     Option("n_test", "generated test reports per phrasing set", 600, int))
    codec = ObservationCodec()
    example = "chest_reports.csv"
    example_options = {"text_column": "report", "id_column": "id"}
    objective = ObservationObjective()

    def build(self, spec, device):
        from transformers import AutoModel, AutoTokenizer

        from biofm.models.load import merge_adapter
        from biofm.models.sources import pretrained, pretrained_weights, resolve_base
        from biofm.nets.report_head import HEAD_FILE, MultiHeadClassifier

        base = resolve_base(spec.base) if spec.base else spec.location
        tokenizer = pretrained(AutoTokenizer.from_pretrained, base)
        encoder = pretrained_weights(AutoModel.from_pretrained, base, use_safetensors=True, add_pooling_layer=False)
        if spec.adapter:
            encoder = merge_adapter(encoder, spec.location)
        model = MultiHeadClassifier(encoder, N_OBS, N_CLS)
        model.load_head(Path(spec.location) / HEAD_FILE)
        return tokenizer, model

    def read(self, path, **options):
        return super().read(path, blocks=True, **options)

    def read_upload(self, data: bytes, filename: str, **options):
        return super().read_upload(data, filename, blocks=True, **options)

    def read_paste(self, text: str, **options):
        return super().read_paste(text, blocks=True)

    def summary(self, preds: ReportPredictions) -> str:
        return f"{len(preds.ids)} reports labelled"

    def targets(self, preds: ReportPredictions, i: int) -> list:
        """Positive findings first, then uncertain, negative and not mentioned (the checklist order within each)."""
        final = preds.final()[i]
        rank = {"positive": 0, "uncertain": 1, "negative": 2}
        return sorted(OBSERVATIONS, key=lambda o: rank.get(final[o][0], 3))

    def target_label(self, preds: ReportPredictions, i: int, target) -> str:
        return f"{target} ({preds.model_labels[i][target]} by the model)"

    def colour_map(self) -> dict[str, str]:
        from biofm.viz import LABEL_COLOURS

        return dict(LABEL_COLOURS)  # the same colours as the batch table and the prevalence chart

    def colour_columns(self, preds: ReportPredictions, records) -> dict[str, list]:
        final = preds.final()
        cols = {o: [f[o][0] for f in final] for o in OBSERVATIONS}
        cols["confidence"] = [float(x) for x in np.mean(preds.probs.max(-1), axis=1)]
        return cols

    def check_training_file(self, path, config: dict) -> str:
        from biofm.tasks.reports.train import read_chexpert_pairs

        return f"{len(read_chexpert_pairs(str(path)))} labelled reports"

    def train(self, config: dict, progress=None, should_stop=None) -> str:
        from biofm.tasks.reports.train import train_reports_task

        return train_reports_task(self, config, progress, should_stop)
