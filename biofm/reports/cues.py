"""The cue layer: ConText (Harkema et al. 2009) through medspaCy on a blank English spaCy pipeline.

One pipeline per process (no model download): ``spacy.blank("en")``, a component that makes each doc one sentence
(the labeler splits sentences itself), medspaCy's ``TargetMatcher`` with one regex ``TargetRule`` per observation
(:mod:`biofm.reports.observations`), and medspaCy's ``ConText`` with the rule table below instead of its clinical-
note defaults. The table writes down the CheXpert labeler's conventions (NegBio's negation / uncertainty patterns,
Peng et al. 2018) as ConText rules:

- pre-negation ("no", "without", "no evidence of", "negative for", "free of", "resolution of", "removal of") and
  post-negation ("X is not seen", "X has resolved", "X is absent", "X: none / absent / not seen"; the colon is no
  scope end, so the cue reaches back over it);
- "no new X" is negative ("new" is no scope end; the CheXpert labeler reads it as uncertain, see the README);
- "no X to suggest Y": "to suggest", "that would suggest", "to indicate" are pseudo-cues and the suggestive hedges
  ("suggestive of", "suggesting", "concerning for", "suspicious for") do not end a negation's scope, so Y stays
  negative; the other hedges end it ("no pneumothorax, possible small effusion": the effusion is uncertain);
- double negation ("cannot exclude", "cannot be excluded", "not excluded", "cannot be ruled out", "cannot be
  assessed") is uncertainty and wins over negation, as the CheXpert labeler's pre-negation uncertainty does;
- hedges ("may represent", "likely", "possible", "probable", "questionable", "versus" both ways, "?") are uncertain;
- pseudo-cues ("no change in X", "no interval change", "without change", "no increase", "not only") neutralise
  what looks like a negation, so the finding stays present;
- historical ("history of") and hypothetical ("if", "should", "in case of", "risk of") mentions are dropped;
- terminations ("but", "however", "although", "which", "there is", ";", "after", "following", "and a small") end
  every cue's scope; a comma ends the scope of "versus" only.

Terminations and the comma get a scope of one token: medspaCy 1.3.1 only lets a modifier end another's scope when
their scopes overlap by its ``tuple_overlaps``, which misses a scope that contains the other one, so a
sentence-wide terminator never cut a cue whose scope had been shortened by ``max_scope``.
"""

from __future__ import annotations

import threading
import warnings
from functools import lru_cache

from biofm.reports.observations import BORDERLINE, IGNORE, MENTIONS, NORMAL, NORMAL_REPORT, OTHER_FINDINGS

NEGATED, POSSIBLE, SUGGESTIVE, DOUBLE_NEG = "NEGATED_EXISTENCE", "POSSIBLE_EXISTENCE", "SUGGESTIVE", "DOUBLE_NEGATION"
HISTORICAL, HYPOTHETICAL, PSEUDO, COMMA = "HISTORICAL", "HYPOTHETICAL", "PSEUDO", "COMMA"

# (name, regex, category, direction, max_scope, terminated_by)
CUES: list[tuple[str, str, str, str, int | None, tuple[str, ...]]] = [
    # pre-negation
    ("no", r"no", NEGATED, "FORWARD", 20, (POSSIBLE, DOUBLE_NEG)),
    ("not", r"not", NEGATED, "FORWARD", 8, (POSSIBLE, DOUBLE_NEG)),
    ("without", r"without(?: (?:evidence|signs?) of)?", NEGATED, "FORWARD", 14, (POSSIBLE, DOUBLE_NEG)),
    ("no evidence of", r"no (?:(?:radiographic|definite|convincing|other|further|residual|acute|new|significant|"
     r"focal|visible|obvious|clear) )*(?:evidence|signs?|findings?|indication) (?:of|for)", NEGATED, "FORWARD", 14,
     (POSSIBLE, DOUBLE_NEG)),
    ("negative for", r"negative for|free of|clear of|absence of", NEGATED, "FORWARD", 14, (POSSIBLE, DOUBLE_NEG)),
    ("resolution of", r"(?:interval |complete |near[- ]complete )?(?:resolution|removal|disappearance|clearing) of|"
     r"rather than|nor|neither|never", NEGATED, "FORWARD", 10, (POSSIBLE, DOUBLE_NEG)),
    ("resolved", r"(?:interval(?:ly)? )?(?:resolved|cleared|removed)", NEGATED, "BIDIRECTIONAL", 8, (POSSIBLE, DOUBLE_NEG)),
    ("nothing to suggest", r"nothing (?:to suggest|to indicate|suggest(?:s|ive of)|worrisome for|concerning for)",
     NEGATED, "FORWARD", 10, ()),
    # post-negation
    ("is not seen", r"(?:(?:is|are|was|were|has been|have been|remains?) )?(?:not|no longer) (?:(?:clearly|definitely|"
     r"well|currently|now|again) )?(?:seen|identified|visuali[sz]ed|present|demonstrated|evident|appreciated|noted|"
     r"detected|apparent|visible|observed|suspected|recognized)", NEGATED, "BACKWARD", 12, (POSSIBLE, DOUBLE_NEG)),
    ("has resolved", r"(?:is|are|was|were|has|have)(?: since)?(?: been)?(?: completely| now)? (?:resolved|cleared|"
     r"removed|gone)|removal", NEGATED, "BACKWARD", 12, (POSSIBLE, DOUBLE_NEG)),
    ("is absent", r"(?:(?:is|are|was|were) )?(?:absent|excluded|negative)", NEGATED, "BACKWARD", 8, (POSSIBLE, DOUBLE_NEG)),
    (": none", r":\s*(?:none|absent|not seen|not present|not identified|negative|nil|no)(?=\s*(?:[.;,]|$))", NEGATED,
     "BACKWARD", 12, ()),
    ("none seen", r"none (?:seen|identified|present)", NEGATED, "BACKWARD", 8, ()),
    # double negation: uncertain, and it wins over a negation of the same mention
    ("cannot exclude", r"(?:cannot|can not|can't|could not|does not|do not|unable to|difficult to|hard to|not possible to)"
     r" (?:entirely |completely |definitely |fully )?(?:exclude|rule out)|no evidence to (?:exclude|rule out)",
     DOUBLE_NEG, "FORWARD", 10, (NEGATED, POSSIBLE)),
    ("cannot be excluded", r"(?:cannot|can not|can't|could not|may not|might not|is not|are not|not) (?:be )?"
     r"(?:entirely |completely |definitely |fully |totally |confidently |well )?(?:excluded|ruled out|assessed|"
     r"evaluated|confirmed|characteri[sz]ed)|(?:is|are) (?:difficult|hard|impossible) to (?:entirely )?(?:exclude|rule out)",
     DOUBLE_NEG, "BACKWARD", 10, (NEGATED, POSSIBLE)),
    # hedges
    ("may represent", r"(?:may|might|could|can|would|possibly|probably|likely|which may|which could|which likely)"
     r" (?:also )?(?:be related to|be due to|be secondary to|be consistent with|be|represent(?:s|ing)?|"
     r"reflect(?:s|ing)?|indicate|relate to|include|have|correspond to|signify)", POSSIBLE, "FORWARD", 8, (NEGATED,)),
    ("possible", r"possible|possibly|probable|probably|likely|most likely|more likely|less likely|questionable|"
     r"question of|questioned|equivocal|borderline|presumed|presumably|presumptive|suspected|suspect|suspicion of|"
     r"uncertain|indeterminate|may have|ill[- ]defined|vague|suggestion of|cannot distinguish|differential "
     r"(?:diagnosis )?(?:includes?|of|would include)|(?:rule out|r/o|evaluate for|assess for|to exclude|evaluation for)",
     POSSIBLE, "FORWARD", 8, (NEGATED,)),
    ("suggestive of", r"suggestive of|suggest(?:s|ing)?|suspicious (?:for|of)|concerning for|concern for|"
     r"worrisome for|worrying for", SUGGESTIVE, "FORWARD", 8, (NEGATED,)),
    ("is possible", r"(?:(?:is|are) )?(?:possible|suspected|likely|questioned|favou?red|considered|"
     r"not (?:entirely )?certain|uncertain)|(?:may|might|could) (?:be present|exist|be seen)|if any|"
     r"of (?:uncertain|unclear|doubtful) significance", POSSIBLE, "BACKWARD", 8, (NEGATED,)),
    ("possibly an artifact", r",? (?:possibly|probably|likely|perhaps|which (?:may|could|might) be|could be|may be) (?:a |an |"
     r"due to |related to |from |reflecting |representing )?(?:(?:a |an )?(?:nipple shadows?|artifacts?|artefacts?|artifactual|"
     r"overlapping (?:vessels|vascular structures|structures|soft tissues?|bones?)|summation(?: of shadows)?|"
     r"(?:a )?vessels? (?:seen )?en face|skin folds?|external objects?|overlying (?:soft tissues?|structures)))",
     POSSIBLE, "BACKWARD", 10, (NEGATED,)),
    ("versus", r"versus|vs\.?|or less likely|and/or", POSSIBLE, "BIDIRECTIONAL", 6, (COMMA, NEGATED)),
    ("?", r"\?", POSSIBLE, "BIDIRECTIONAL", 5, (NEGATED, COMMA)),
    # historical, hypothetical
    ("history of", r"(?:(?:known|remote|past|prior|previous) )?(?:medical )?(?:history of|h/o|hx of)", HISTORICAL,
     "FORWARD", 8, ()),
    ("if", r"if|should|in case of|in the event of|risk of|at risk for|to prevent|prevention of|could develop|"
     r"may develop|watch for|monitor for", HYPOTHETICAL, "FORWARD", None, ()),
    # pseudo-cues: they match longer than the cue they contain, so that cue is not used
    ("no change", r"(?:no|without) (?:(?:significant|interval|appreciable|substantial|definite|radiographic|"
     r"marked|real|notable) )*(?:change|increase|decrease|worsening|improvement|progression)"
     r"(?: (?:in|of|since))?|not (?:significantly )?(?:changed|increased|decreased|improved)|not only|"
     r"gram[- ]negative|not clearly changed|no longer changing|(?:(?:has|have|is|are) )?(?:nearly|almost|partially|"
     r"partly|mostly|largely|incompletely|not (?:completely|fully|entirely)) (?:resolved|cleared|removed)", PSEUDO, "PSEUDO", None, ()),
    ("to suggest", r"(?:to|that would|which would|that might|to definitely|that could) (?:suggest|indicate)|"
     r"to explain|to account for", PSEUDO, "PSEUDO", None, ()),
    ("comma", r",", COMMA, "PSEUDO", 1, ()),
    # terminations
    ("but", r"but|however|although|though|except(?: for)?|aside from|apart from|other than|which|whereas|while|yet|"
     r"there (?:is|are|has been|have been)|;|after|following|status post|s/p|post-?(?:procedure|placement|insertion)|"
     r"(?:and|with) (?:a |an |the )?(?:small|large|moderate|mild|minimal|trace|new|persistent|stable|increased|"
     r"decreased|worsening|improving|unchanged|residual|right|left|bilateral)|otherwise", "TERMINATE", "TERMINATE", 1, ()),
]

_lock = threading.Lock()


def _bounded(rx: str) -> str:
    return r"(?<![\w-])(?:" + rx + r")(?![\w-])" if rx[0].isalnum() or rx.startswith("(") else rx


def target_label(obs: str) -> str:
    """The spaCy entity label of an observation (upper case, spaces as underscores)."""
    return obs.upper().replace(" ", "_")


OBS_OF_LABEL: dict[str, tuple[str, ...]] = {}
for _key in MENTIONS:
    OBS_OF_LABEL[target_label(_key)] = tuple(k.strip() for k in _key.split("+"))
NORMAL_PREFIX, BORDERLINE_PREFIX = "NORMAL__", "BORDERLINE__"
OTHER, IGNORED, NORMAL_REPORT_LABEL = "OTHER_FINDING", "IGNORED", "NORMAL_REPORT"


@lru_cache(maxsize=1)
def pipeline():
    """The medspaCy pipeline (built once per process; spaCy pipelines are not thread-safe, so use ``run``)."""
    import spacy
    from medspacy.context import ConText, ConTextRule  # noqa: F401  (registers the factory)
    from medspacy.target_matcher import TargetMatcher, TargetRule  # noqa: F401
    from spacy.language import Language

    if "biofm_one_sentence" not in Language.factories:
        @Language.component("biofm_one_sentence")
        def one_sentence(doc):
            for i, tok in enumerate(doc):
                tok.is_sent_start = i == 0
            return doc

    nlp = spacy.blank("en")
    nlp.add_pipe("biofm_one_sentence")
    matcher = nlp.add_pipe("medspacy_target_matcher")
    rules = []
    for key, patterns in MENTIONS.items():
        rules += [TargetRule(key, target_label(key), pattern=_bounded(p)) for p in patterns]
    for key, patterns in NORMAL.items():
        rules += [TargetRule("normal " + key, NORMAL_PREFIX + target_label(key), pattern=_bounded(p))
                  for p in patterns]
    for key, patterns in BORDERLINE.items():
        rules += [TargetRule("borderline " + key, BORDERLINE_PREFIX + target_label(key), pattern=_bounded(p))
                  for p in patterns]
    rules += [TargetRule("other finding", OTHER, pattern=_bounded(p)) for p in OTHER_FINDINGS]
    rules += [TargetRule("look-alike", IGNORED, pattern=_bounded(p)) for p in IGNORE]
    rules += [TargetRule("normal report", NORMAL_REPORT_LABEL, pattern=_bounded(p)) for p in NORMAL_REPORT]
    matcher.add(rules)
    context = nlp.add_pipe("medspacy_context", config={"rules": None, "span_attrs": None})
    context.add([ConTextRule(name, category, pattern=_bounded(rx), direction=direction, max_scope=scope,
                             terminated_by=set(term) or None)
                 for name, rx, category, direction, scope, term in CUES])
    return nlp


for _label in list(OBS_OF_LABEL):
    OBS_OF_LABEL[NORMAL_PREFIX + _label] = OBS_OF_LABEL[_label]
for _key in NORMAL:
    OBS_OF_LABEL[NORMAL_PREFIX + target_label(_key)] = tuple(k.strip() for k in _key.split("+"))
for _key in BORDERLINE:
    OBS_OF_LABEL[BORDERLINE_PREFIX + target_label(_key)] = (_key,)


def run(texts: list[str]):
    """Docs for sentences, one doc per sentence, with ``doc.ents`` (targets) and ``ent._.modifiers`` (ConText)."""
    nlp = pipeline()
    with _lock, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"\[W036\]")  # medspaCy's token Matcher is empty: regex rules only
        return list(nlp.pipe(texts))
