"""Attributions for text models: Integrated Gradients, Gradient×Input and word Occlusion behind one call.

``attribute(loaded, text, target, method)`` returns scores per word (character spans into the original text) for
a target: a classifier's class, or one NER entity (the mean probability of its words' predicted tags). Scores are
signed: positive supports the target, negative opposes it. Subword scores are summed into words.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from biofm.inference import autocast
from biofm.models.load import LoadedModel

IG_DELTA_WARNING = 0.05
_LOCKS: dict[int, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def lock_for(model: torch.nn.Module) -> threading.Lock:
    """Captum hooks live on the model while it runs: one attribution at a time per model object."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(id(model), threading.Lock())


def explanation_copy(loaded: LoadedModel) -> LoadedModel:
    """A private copy of a model for explanations, so hooks never touch the copy that serves predictions."""
    return LoadedModel(loaded.spec, loaded.tokenizer, copy.deepcopy(loaded.model).eval(), loaded.device,
                       loaded.precision)


@dataclass
class Target:
    """What to explain: a class label (classifier) or an entity span [start, end) with its type (NER)."""

    label: str
    start: int | None = None
    end: int | None = None


@dataclass
class Attribution:
    text: str
    units: list[str]
    spans: list[tuple[int, int]]
    scores: list[float]
    target: str
    method: str
    delta: float | None
    output: float
    baseline_output: float | None = None
    faithfulness: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    token_range: tuple[int, int, int] = (0, 0, 0)  # first, last+1, total tokens explained

    def to_json(self) -> dict:
        data = asdict(self)
        data["spans"] = [list(s) for s in self.spans]
        return data

    def top_units(self, k: int = 5) -> list[tuple[str, float]]:
        order = np.argsort(-np.asarray(self.scores))
        return [(self.units[i], self.scores[i]) for i in order[:k]]


@dataclass
class Prepared:
    ids: torch.Tensor  # [1, L] with special tokens
    mask: torch.Tensor
    word_of_token: list[int | None]  # per position in ids
    spans: list[tuple[int, int]]  # per word
    first: int
    last: int
    total: int
    score_fn: Callable[[torch.Tensor], torch.Tensor]  # logits -> [B] target score
    target_name: str


def _words(loaded: LoadedModel, text: str):
    enc = loaded.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True, verbose=False)
    return enc["input_ids"], enc.word_ids(), enc["offset_mapping"]


def model_logits(loaded: LoadedModel, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Logits of one window under the model's precision, without gradients."""
    with torch.inference_mode(), autocast(loaded.device, loaded.precision):
        return loaded.model(input_ids=ids.to(loaded.device), attention_mask=mask.to(loaded.device)).logits.float()


class ClassObjective:
    """What is explained for a classifier: the probability of a class (default: the predicted one).

    A task with another output shape gives its own objective (same two methods): where the explained window
    starts, and the score function of the logits with the target's display name.
    """

    def window_start(self, target: Target | None, offsets, n_tokens: int, body: int) -> int:
        return 0

    def score(self, loaded: LoadedModel, ids: torch.Tensor, mask: torch.Tensor, target: Target | None,
              text: str, window: WindowTokens) -> tuple[Callable[[torch.Tensor], torch.Tensor], str]:
        labels = list(loaded.spec.labels)
        if target is None:
            idx = int(model_logits(loaded, ids, mask).argmax(-1))
        elif target.label not in labels:
            raise ValueError(f"unknown target {target.label!r}; the model's labels are {labels}")
        else:
            idx = labels.index(target.label)
        return (lambda logits: logits.float().softmax(-1)[:, idx]), labels[idx]


@dataclass
class WindowTokens:
    """The explained window: first and last token (no specials), and every token's word id and offsets."""

    first: int
    last: int
    word_ids: list
    offsets: list


def _prepare(loaded: LoadedModel, text: str, target: Target | str | None, objective=None) -> Prepared:
    tok, spec, model = loaded.tokenizer, loaded.spec, loaded.model
    objective = objective or ClassObjective()
    if not text or not text.strip():
        raise ValueError("nothing to explain: the text is empty")
    ids, word_ids, offsets = _words(loaded, text)
    body = min(spec.max_length, int(getattr(model.config, "max_position_embeddings", 512))) - 2
    if isinstance(target, str):
        target = Target(target)
    first = objective.window_start(target, offsets, len(ids), body)
    last = min(len(ids), first + body)
    full = torch.tensor([[tok.cls_token_id, *ids[first:last], tok.sep_token_id]])
    mask = torch.ones_like(full)
    word_of_token: list[int | None] = [None]
    remap: dict[int, int] = {}
    spans: list[tuple[int, int]] = []
    for t in range(first, last):
        w = word_ids[t]
        if w not in remap:
            remap[w] = len(spans)
            spans.append(tuple(offsets[t]))
        else:
            spans[remap[w]] = (spans[remap[w]][0], offsets[t][1])
        word_of_token.append(remap[w])
    word_of_token.append(None)
    score_fn, name = objective.score(loaded, full, mask, target, text, WindowTokens(first, last, word_ids, offsets))
    return Prepared(full, mask, word_of_token, spans, first, last, len(ids), score_fn, name)


def _forward(loaded: LoadedModel, prep: Prepared, precision: str):
    def f(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        if attention_mask.shape[0] != input_ids.shape[0]:
            attention_mask = attention_mask.expand(input_ids.shape[0], -1)
        with autocast(loaded.device, precision):
            logits = loaded.model(input_ids=input_ids, attention_mask=attention_mask).logits
        return prep.score_fn(logits)

    return f


def _score(loaded: LoadedModel, prep: Prepared, variants: torch.Tensor, precision: str, batch: int = 64) -> np.ndarray:
    f = _forward(loaded, prep, precision)
    outs = []
    with torch.inference_mode():
        for i in range(0, variants.shape[0], batch):
            chunk = variants[i:i + batch].to(loaded.device)
            outs.append(f(chunk, prep.mask.to(loaded.device)).float().cpu())
    return torch.cat(outs).numpy()


def _to_words(token_scores: np.ndarray, prep: Prepared) -> np.ndarray:
    words = np.zeros(len(prep.spans))
    for pos, w in enumerate(prep.word_of_token):
        if w is not None:
            words[w] += token_scores[pos]
    return words


def _baseline(prep: Prepared, tokenizer) -> torch.Tensor:
    """Pad tokens everywhere except [CLS] and [SEP]."""
    base = torch.full_like(prep.ids, tokenizer.pad_token_id or 0)
    base[0, 0], base[0, -1] = prep.ids[0, 0], prep.ids[0, -1]
    return base


def _integrated_gradients(loaded, prep, precision, n_steps: int = 50, internal_batch_size: int = 50, **_):
    from captum.attr import LayerIntegratedGradients

    lig = LayerIntegratedGradients(_forward(loaded, prep, precision), loaded.model.get_input_embeddings())
    ids, mask = prep.ids.to(loaded.device), prep.mask.to(loaded.device)
    base = _baseline(prep, loaded.tokenizer).to(loaded.device)
    attr, delta = lig.attribute(ids, baselines=base, additional_forward_args=(mask,), n_steps=n_steps,
                                internal_batch_size=internal_batch_size, return_convergence_delta=True)
    tokens = attr.sum(-1)[0].float().detach().cpu().numpy()
    return tokens, float(delta.abs().item()), base


def _gradient_x_input(loaded, prep, precision, **_):
    from captum.attr import LayerGradientXActivation

    lgxa = LayerGradientXActivation(_forward(loaded, prep, precision), loaded.model.get_input_embeddings())
    attr = lgxa.attribute(prep.ids.to(loaded.device), additional_forward_args=(prep.mask.to(loaded.device),))
    return attr.sum(-1)[0].float().detach().cpu().numpy(), None, None


def _occlusion(loaded, prep, precision, window: int = 1, **_):
    """Word-level occlusion: [MASK] a sliding window of words; each word gets the mean drop of the windows over it."""
    n_words = len(prep.spans)
    mask_id = loaded.tokenizer.mask_token_id
    if mask_id is None:
        mask_id = loaded.tokenizer.pad_token_id or 0
    word_of = np.array([-1 if w is None else w for w in prep.word_of_token])
    starts = list(range(0, max(1, n_words - window + 1)))
    variants = prep.ids.repeat(len(starts), 1)
    for row, s in enumerate(starts):
        hit = (word_of >= s) & (word_of < s + window)
        variants[row, torch.from_numpy(hit)] = mask_id
    base_score = _score(loaded, prep, prep.ids, precision)[0]
    drops = base_score - _score(loaded, prep, variants, precision)
    words, counts = np.zeros(n_words), np.zeros(n_words)
    for row, s in enumerate(starts):
        words[s:s + window] += drops[row]
        counts[s:s + window] += 1
    return words / np.maximum(counts, 1), None, "words"


METHODS: dict[str, Callable] = {"ig": _integrated_gradients, "gxi": _gradient_x_input, "occlusion": _occlusion}
METHOD_NAMES = {"ig": "Integrated Gradients", "gxi": "Gradient × Input", "occlusion": "Occlusion (words)"}


def faithfulness(loaded: LoadedModel, prep: Prepared, word_scores: np.ndarray, precision: str,
                 fraction: float = 0.2) -> dict:
    """Comprehensiveness (drop the top-k% words) and sufficiency (keep only them), as falls in the target score."""
    n = len(word_scores)
    k = max(1, int(math.ceil(n * fraction)))
    top = set(np.argsort(-word_scores)[:k].tolist())
    mask_id = loaded.tokenizer.mask_token_id if loaded.tokenizer.mask_token_id is not None else 0
    drop, keep = prep.ids.clone(), prep.ids.clone()
    for pos, w in enumerate(prep.word_of_token):
        if w is None:
            continue
        if w in top:
            drop[0, pos] = mask_id
        else:
            keep[0, pos] = mask_id
    full, dropped, kept = _score(loaded, prep, torch.cat([prep.ids, drop, keep]), precision)
    return {"top_fraction": fraction, "top_words": k, "comprehensiveness": float(full - dropped),
            "sufficiency": float(full - kept)}


def attribute(loaded: LoadedModel, text: str, target: Target | str | None = None, method: str = "ig", *,
              precision: str | None = None, with_faithfulness: bool = True, objective=None,
              **options) -> Attribution:
    """Word attributions for ``target`` (default: the predicted class) under the task's ``objective``."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    precision = precision or loaded.precision
    prep = _prepare(loaded, text, target, objective)
    with lock_for(loaded.model):
        raw, delta, extra = METHODS[method](loaded, prep, precision, **options)
    words = raw if extra == "words" else _to_words(raw, prep)
    out = float(_score(loaded, prep, prep.ids, precision)[0])
    warnings: list[str] = []
    base_out = None
    if method == "ig":
        base_out = float(_score(loaded, prep, extra, precision)[0])
        diff = abs(out - base_out)
        if diff > 0 and delta is not None and delta > IG_DELTA_WARNING * diff:
            warnings.append(f"Integrated Gradients did not converge well: |delta| {delta:.4f} is "
                            f"{delta / diff:.0%} of the output difference {diff:.4f}; raise n_steps.")
    if prep.total > prep.last - prep.first:
        warnings.append(f"The text has {prep.total} tokens; the explanation covers tokens {prep.first + 1}-{prep.last}"
                        f" (one model window).")
    faith = faithfulness(loaded, prep, words, precision) if with_faithfulness else {}
    return Attribution(text=text, units=[text[s:e] for s, e in prep.spans], spans=list(prep.spans),
                       scores=[float(x) for x in words], target=prep.target_name, method=method, delta=delta,
                       output=out, baseline_output=base_out, faithfulness=faith, warnings=warnings,
                       token_range=(prep.first, prep.last, prep.total))
