"""A rule-based CheXpert labeler with evidence: sections, sentences, target rules, ConText cues, aggregation.

Per report: split into sections (indication / history / comparison / technique are dropped; the impression weighs
in) and sentences; find each observation's mentions (medspaCy ``TargetMatcher``, :mod:`biofm.reports.observations`)
and read each mention with ConText (:mod:`biofm.reports.cues`); then aggregate, as the CheXpert labeler does
(Irvin et al. 2019):

- a mention is **uncertain** under a double negation ("cannot exclude"), else **negative** under a negation, else
  dropped under a historical or hypothetical cue, else **uncertain** under a hedge, else **positive**;
- per observation, impression mentions override findings mentions, and among the mentions kept positive >
  uncertain > negative (the earliest sentence breaks ties); that sentence is the label's evidence;
- **No Finding** is positive only when none of the 12 pathologies (Support Devices aside) is positive or
  uncertain; a finding outside the 14 (emphysema, granuloma, scoliosis, hernia, ...) read as present keeps it off
  too, as in the CheXpert labeler. Its evidence is the report's normal statement ("No acute cardiopulmonary
  process."), else the first sentence read as negative.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from biofm.reports import cues
from biofm.reports.observations import OBSERVATIONS, PATHOLOGIES

SECTION_RE = re.compile(
    r"^\s*(?P<name>findings?|impressions?|conclusions?|summary|opinion|interpretation|report|indications?|clinical (?:history|indication|information)"
    r"|history|reason for (?:exam(?:ination)?|study)|comparisons?|technique|examination|exam|procedure)\s*:",
    re.I | re.M)
SKIP_SECTIONS = ("indication", "clinical", "history", "reason", "comparison", "technique", "examination", "exam",
                 "procedure")
IMPRESSION_SECTIONS = ("impression", "conclusion", "summary", "opinion", "interpretation")
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")

SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])|\n\s*\n|\n(?=\s*(?:\d+[.)]|[-•*])\s)|(?<=[.!?])\n"
                         r"|\n(?=[ \t]*[A-Z])")
LIST_MARK_RE = re.compile(r"^\s*(?:\d+[.)]|[-•*])\s*$")
PLACEHOLDER_RE = re.compile(r"X{2,}|_{3,}|\[\*\*[^\]]*\*\*\]")


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int
    end: int
    section: str  # findings | impression | other


@dataclass(frozen=True)
class ObservationLabel:
    """One observation of one report: its label and the sentence that decided it (character span in the report)."""

    label: str  # positive | negative | uncertain | not mentioned
    evidence: str = ""
    start: int = -1  # evidence sentence span in the report
    end: int = -1
    section: str = ""
    mention: str = ""  # the words that mention the observation ("small left pleural effusion")
    cue: str = ""  # the ConText cue that decided the label ("no", "cannot be excluded"), empty when affirmed
    note: str = ""


@dataclass
class ReportLabels:
    labels: dict[str, ObservationLabel] = field(default_factory=dict)

    def as_row(self) -> dict[str, str]:
        return {obs: self.labels[obs].label for obs in OBSERVATIONS}


@dataclass(frozen=True)
class Mention:
    label: str | None  # None: historical or hypothetical, not counted
    sentence: Sentence
    words: str
    cue: str


def split_sentences(report: str) -> list[Sentence]:
    """Sentences with character spans and section names; indication/history/technique sections are dropped."""
    marks = [(m.start(), m.end(), m.group("name").lower()) for m in SECTION_RE.finditer(report)]
    bounds = [(0, None)] + [(s, name) for s, _, name in marks]
    sections = []
    for i, (start, name) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(report)
        head_end = next((e for s, e, _ in marks if s == start), start) if name else start
        kind = "other"
        if name:
            if name.startswith(SKIP_SECTIONS):
                gap = BLANK_LINE_RE.search(report, head_end, end)  # an indication ends at a blank line
                if gap:
                    sections.append((gap.end(), end, "other"))
                continue
            kind = "impression" if name.startswith(IMPRESSION_SECTIONS) else "findings"
        if end > head_end:
            sections.append((head_end, end, kind))
    out = []
    for s0, e0, kind in sections:
        chunk = report[s0:e0]
        pos = 0
        for m in list(SENTENCE_RE.finditer(chunk)) + [None]:
            if m is not None and LIST_MARK_RE.match(chunk[pos:m.start()]):
                continue  # "1." is a list marker, not a sentence
            stop = m.start() if m else len(chunk)
            piece = chunk[pos:stop]
            lead = len(piece) - len(piece.lstrip())
            text = piece.strip()
            text = re.sub(r"^(?:\d+[.)]|[-•*])\s+", "", text)
            if text:
                a = s0 + pos + lead + (len(piece.strip()) - len(text))
                out.append(Sentence(text, a, a + len(text), kind))
            pos = m.end() if m else len(chunk)
    return out


def read_mention(categories: dict[str, str]) -> tuple[str | None, str]:
    """(label, cue) of one mention from its ConText modifiers (category -> cue text), in the CheXpert order:
    pre-negation uncertainty (double negation), negation, then historical / hypothetical (dropped), then hedges."""
    for cat, label in ((cues.DOUBLE_NEG, "uncertain"), (cues.NEGATED, "negative"), (cues.HISTORICAL, None),
                       (cues.HYPOTHETICAL, None), (cues.POSSIBLE, "uncertain"), (cues.SUGGESTIVE, "uncertain")):
        if cat in categories:
            return label, categories[cat]
    return "positive", ""


RANK = {"positive": 3, "uncertain": 2, "negative": 1}


def _mentions(report: str, sentences: list[Sentence]):
    found: dict[str, list[Mention]] = {obs: [] for obs in OBSERVATIONS}
    normal_report: Sentence | None = None
    other: Mention | None = None
    docs = cues.run([s.text for s in sentences]) if sentences else []
    for sent, doc in zip(sentences, docs):
        for ent in doc.ents:
            kind = ent.label_
            if kind == cues.IGNORED:
                continue
            if kind == cues.NORMAL_REPORT_LABEL:
                normal_report = normal_report or sent
                continue
            categories = {}
            for mod in ent._.modifiers:
                a, b = mod.modifier_span
                categories.setdefault(mod.category, doc[a:b].text)
            if kind.startswith(cues.NORMAL_PREFIX):
                for obs in cues.OBS_OF_LABEL[kind]:
                    found[obs].append(Mention("negative", sent, ent.text, "normal"))
                continue
            label, cue = read_mention(categories)
            if kind.startswith(cues.BORDERLINE_PREFIX) and label == "positive":
                label, cue = "uncertain", "borderline"
            if kind == cues.OTHER:
                if label in ("positive", "uncertain") and other is None:
                    other = Mention(label, sent, ent.text, cue)
                continue
            for obs in cues.OBS_OF_LABEL[kind]:
                found[obs].append(Mention(label, sent, ent.text, cue))
    return found, normal_report, other


def label_report(report: str) -> ReportLabels:
    """The 14 observations of one report, each with its evidence sentence (see the module docstring)."""
    text = PLACEHOLDER_RE.sub(lambda m: "x" * len(m.group()), report)  # de-id placeholders read as a neutral word
    found, normal_report, other = _mentions(report, split_sentences(text))
    result = ReportLabels()
    first_negative: Mention | None = None
    for obs in OBSERVATIONS:
        if obs == "No Finding":
            continue
        mentions = [m for m in found[obs] if m.label is not None]
        impression = [m for m in mentions if m.sentence.section == "impression"]
        pool = impression or mentions
        if not pool:
            note = "historical or hypothetical mention only" if found[obs] else ""
            result.labels[obs] = ObservationLabel("not mentioned", note=note)
            continue
        best = max(pool, key=lambda m: (RANK[m.label], -m.sentence.start))
        s = best.sentence
        result.labels[obs] = ObservationLabel(best.label, report[s.start:s.end], s.start, s.end, s.section, best.words,
                                              best.cue)
        neg = [m for m in mentions if m.label == "negative"]
        if neg and (first_negative is None or neg[0].sentence.start < first_negative.sentence.start):
            first_negative = neg[0]
    result.labels["No Finding"] = no_finding(result.labels, normal_report, other, first_negative, report)
    result.labels = {o: result.labels[o] for o in OBSERVATIONS}
    return result


def no_finding(labels: dict[str, ObservationLabel], normal_report: Sentence | None, other: Mention | None,
               first_negative: Mention | None, report: str) -> ObservationLabel:
    """CheXpert's No Finding: positive only when no pathology of the 12 is positive or uncertain (and no finding
    outside the 14 is read as present); the evidence is the normal statement, else the first negative sentence."""
    blocking = [o for o in PATHOLOGIES if labels[o].label in ("positive", "uncertain")]
    if blocking:
        return ObservationLabel("not mentioned", note=f"{blocking[0]} is {labels[blocking[0]].label}")
    if other is not None:
        s = other.sentence
        return ObservationLabel("not mentioned", note=f"'{other.words}' ({other.label}) is a finding outside the 14: "
                                f"{report[s.start:s.end]}")
    ev = normal_report or (first_negative.sentence if first_negative else None)
    if ev is None:
        return ObservationLabel("positive", note="no pathology mentioned")
    return ObservationLabel("positive", report[ev.start:ev.end], ev.start, ev.end, ev.section)


def label_reports(reports: Iterable[str]) -> list[ReportLabels]:
    return [label_report(r) for r in reports]
