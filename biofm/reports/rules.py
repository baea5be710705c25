"""A rule-based CheXpert-style labeler with evidence sentences.

Per report: split into sections (indication/history ignored; impression weighs in) and sentences; find each
observation's mentions; decide each mention by uncertainty and negation cues whose scope runs from the cue to a
scope terminator ("but", "however", ";", "which", …), before or after the mention; aggregate per observation with
impression mentions overriding findings, and positive > uncertain > negative among mentions. No Finding is positive
when no pathology (anything but Support Devices) is positive or uncertain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from biofm.reports.observations import MENTIONS, NORMAL, OBSERVATIONS

SECTION_RE = re.compile(
    r"^\s*(?P<name>findings?|impressions?|conclusions?|summary|indications?|clinical (?:history|indication|information)"
    r"|history|reason for (?:exam(?:ination)?|study)|comparisons?|technique|examination|exam|procedure)\s*:",
    re.I | re.M)
SKIP_SECTIONS = ("indication", "clinical", "history", "reason", "comparison", "technique", "examination", "exam",
                 "procedure")
IMPRESSION_SECTIONS = ("impression", "conclusion", "summary")

# Longest first so "cannot be excluded" wins over "no"/"not"; pseudo-cues neutralise what looks like negation.
PSEUDO = [r"no (?:significant |interval |appreciable )?change", r"not (?:significantly )?changed",
          r"no increase", r"no decrease", r"without (?:significant |interval )?change", r"not only"]
UNCERTAIN_PRE = [
    r"cannot (?:be )?(?:excluded|exclude|ruled? out)", r"can ?not (?:be )?(?:excluded|exclude|ruled? out)",
    r"could not (?:be )?(?:excluded|exclude|ruled? out)", r"not (?:be )?(?:excluded|ruled out)",
    r"(?:may|might|could) (?:be|represent|reflect|indicate|relate to|be due to|be related to|have)",
    r"(?:possible|possibly|probable|probably|likely|questionable|question of|suspicious for|suspected|suspect|"
    r"concerning for|concern for|suggestive of|suggests?|compatible with|consistent with|equivocal|borderline|"
    r"differential (?:diagnosis )?(?:includes|of)|consider(?:ation of)?|versus|vs\.?|presumed|presumably|"
    r"worrisome for|cannot rule out|rule out|r/o|evaluate for|ill-defined|vague|subtle)",
]
UNCERTAIN_POST = [
    r"(?:is|are)? ?not (?:be )?(?:excluded|ruled out)", r"cannot be (?:excluded|ruled out)",
    r"(?:is|are) (?:possible|suspected|likely|questioned|not excluded|of uncertain significance)",
    r"(?:may|might|could) (?:be present|be seen|exist)", r"versus", r"vs\.?", r"\?",
]
NEGATION_PRE = [
    r"no evidence of", r"no signs? of", r"no radiographic evidence of", r"negative for", r"free of", r"clear of",
    r"absence of", r"without(?: evidence of)?", r"resolution of", r"resolved", r"no definite", r"no convincing",
    r"no new", r"no focal", r"no acute", r"no large", r"no", r"not", r"nor", r"neither", r"rather than",
    r"removal of", r"interval removal of", r"exclude[sd]?", r"ruled out", r"denies",
]
NEGATION_POST = [
    r"(?:is|are|was|were|has been|have been)? ?(?:not (?:seen|identified|visualized|present|demonstrated|evident|"
    r"appreciated|noted)|absent|resolved|removed|no longer (?:seen|present|visualized))",
    r"(?:has|have) (?:resolved|been removed|cleared)",
]
TERMINATORS = [r"but", r"however", r"although", r"though", r"except(?: for)?", r"aside from", r"apart from",
               r"otherwise", r"which", r"whereas", r"while", r"yet", r"there (?:is|are)", r"new", r"and (?:a |an |the )?(?:small|large|moderate|mild|new|persistent|stable|increased|"
               r"decreased|worsening|improving)", r"[;:]", r"\bfollowed by\b", r"secondary to", r"due to",
               r"causing", r"representing"]


def _rx(patterns: Iterable[str]) -> re.Pattern:
    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(patterns, key=len, reverse=True)) + r")(?![\w-])", re.I)


MENTION_RX = {obs: _rx(p) for obs, p in MENTIONS.items()}
NORMAL_RX = {obs: _rx(p) for obs, p in NORMAL.items()}
PSEUDO_RX = _rx(PSEUDO)
UNC_PRE_RX, UNC_POST_RX = _rx(UNCERTAIN_PRE), _rx(UNCERTAIN_POST)
NEG_PRE_RX, NEG_POST_RX = _rx(NEGATION_PRE), _rx(NEGATION_POST)
TERM_RX = re.compile(r"(?:(?<![\w-])(?:" + "|".join(t for t in TERMINATORS if t != "[;:]") + r")(?![\w-])|[;:])", re.I)
NORMAL_REPORT_RX = _rx([r"no acute (?:cardiopulmonary|intrathoracic|cardiothoracic) (?:process|abnormality|disease|findings?)",
                        r"normal (?:chest|study|radiograph|examination|exam)", r"no acute (?:disease|findings?)",
                        r"unremarkable (?:chest|study|radiograph)", r"no active disease"])

SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(\[])|\n\s*\n|\n(?=\s*(?:\d+[.)]|[-•*])\s)|(?<=[.!?])\n")
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
    label: str  # positive | negative | uncertain | not mentioned
    evidence: str = ""
    start: int = -1  # evidence sentence span in the report
    end: int = -1
    section: str = ""


@dataclass
class ReportLabels:
    labels: dict[str, ObservationLabel] = field(default_factory=dict)

    def as_row(self) -> dict[str, str]:
        return {obs: self.labels[obs].label for obs in OBSERVATIONS}


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


def _scope(text: str, start: int, end: int) -> tuple[str, str]:
    """Text from the last terminator before the mention, and up to the next terminator after it."""
    before = text[:start]
    cut = max((m.end() for m in TERM_RX.finditer(before)), default=0)
    after = text[end:]
    nxt = TERM_RX.search(after)
    return before[cut:], after[: nxt.start()] if nxt else after


def classify_mention(sentence: str, start: int, end: int) -> str:
    """positive, negative or uncertain for the mention at [start, end) of a sentence."""
    pre, post = _scope(sentence, start, end)
    pre = PSEUDO_RX.sub(" ", pre)
    post = PSEUDO_RX.sub(" ", post)
    if UNC_PRE_RX.search(pre) or UNC_POST_RX.search(post):
        return "uncertain"
    if NEG_PRE_RX.search(pre) or NEG_POST_RX.search(post):
        return "negative"
    return "positive"


RANK = {"positive": 3, "uncertain": 2, "negative": 1}


def label_report(report: str) -> ReportLabels:
    """The 14 observations of one report, each with its evidence sentence."""
    text = PLACEHOLDER_RE.sub(lambda m: "x" * len(m.group()), report)  # de-id placeholders read as a neutral word
    found: dict[str, list[tuple[str, Sentence]]] = {obs: [] for obs in OBSERVATIONS}
    normal_report: Sentence | None = None
    sentences = split_sentences(text)
    for sent in sentences:
        taken: list[tuple[int, int]] = []
        for obs, rx in NORMAL_RX.items():
            for m in rx.finditer(sent.text):
                found[obs].append(("negative", sent))
                taken.append(m.span())
        for obs, rx in MENTION_RX.items():
            for m in rx.finditer(sent.text):
                if any(a <= m.start() < b for a, b in taken):
                    continue
                found[obs].append((classify_mention(sent.text, m.start(), m.end()), sent))
        if normal_report is None and NORMAL_REPORT_RX.search(sent.text):
            normal_report = sent
    result = ReportLabels()
    for obs in OBSERVATIONS:
        if obs == "No Finding":
            continue
        mentions = found[obs]
        impression = [m for m in mentions if m[1].section == "impression"]
        pool = impression or mentions
        if not pool:
            result.labels[obs] = ObservationLabel("not mentioned")
            continue
        label, sent = max(pool, key=lambda m: (RANK[m[0]], -m[1].start))
        result.labels[obs] = ObservationLabel(label, report[sent.start:sent.end], sent.start, sent.end, sent.section)
    pathology = [o for o in OBSERVATIONS if o not in ("No Finding", "Support Devices")]
    if any(result.labels[o].label in ("positive", "uncertain") for o in pathology):
        result.labels["No Finding"] = ObservationLabel("not mentioned")
    else:
        ev = normal_report
        result.labels["No Finding"] = ObservationLabel(
            "positive", report[ev.start:ev.end] if ev else "", ev.start if ev else -1, ev.end if ev else -1,
            ev.section if ev else "")
    result.labels = {o: result.labels[o] for o in OBSERVATIONS}
    return result


def label_reports(reports: Iterable[str]) -> list[ReportLabels]:
    return [label_report(r) for r in reports]
