"""A generator of synthetic chest radiograph reports whose 14 CheXpert labels are known by construction.

No public labelled report corpus ships with biofm, so the ``chexpert-reports`` model is trained on text composed
here. The phrasing follows the convention table of the rule labeler (``biofm.reports.cues``): pre- and
post-negation, "X: none / absent / not seen", "no new X", "no X to suggest Y" (both negative), "without X",
"X has resolved" (negative), "no change in X" (present), double negation ("cannot be excluded": uncertain), hedges
("may represent", "likely", "versus"), historical mentions (not counted), findings outside the 14 (granuloma,
emphysema, a bone lesion: no label, but No Finding off), devices; and the variety of real reports: FINDINGS /
IMPRESSION or Findings / Conclusion sections or none, numbered and dashed lists, telegraphic line-per-finding
reports, British spelling. Every phrase list is split into two disjoint styles: ``train`` phrasings (training and
validation) and ``heldout`` phrasings (a test set with wordings the model never saw), so memorising the generator
shows up as a gap. Labels follow the CheXpert aggregation: No Finding positive only when no pathology of the 12 is
positive or uncertain and no other finding is present.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from biofm.reports.observations import OBSERVATIONS, PATHOLOGIES

PATHOLOGIES = list(PATHOLOGIES)

# observation -> (train phrasings, heldout phrasings); {side} and {size} are filled at random
FINDING = {
    "Enlarged Cardiomediastinum": (["widened mediastinum", "enlarged cardiomediastinal silhouette",
                                    "mediastinal widening"],
                                   ["prominent superior mediastinum", "widening of the mediastinum"]),
    "Cardiomegaly": (["cardiomegaly", "enlarged cardiac silhouette", "{size} cardiomegaly"],
                     ["enlargement of the heart", "cardiac enlargement"]),
    "Lung Lesion": (["{side} pulmonary nodule", "{size} mass in the {side} upper lobe", "{side} lung lesion"],
                    ["spiculated {side} lung mass", "{side} upper lobe nodules", "{side} perihilar tumour"]),
    "Lung Opacity": (["{side} basilar opacity", "patchy opacities in the {side} lung", "{side} lower lobe opacification"],
                     ["hazy {side} perihilar density", "ground-glass opacities in the {side} lung",
                      "{side} lower zone shadowing opacity"]),
    "Edema": (["pulmonary edema", "{size} interstitial edema", "pulmonary vascular congestion"],
              ["alveolar oedema", "findings of fluid overload", "{size} pulmonary oedema"]),
    "Consolidation": (["{side} lower lobe consolidation", "focal consolidation in the {side} base"],
                      ["consolidative process in the {side} lower lobe", "airspace consolidation at the {side} base",
                       "{side} basal consolidation"]),
    "Pneumonia": (["{side} lower lobe pneumonia", "pneumonia", "multifocal pneumonia"],
                  ["an infectious process in the {side} base", "bronchopneumonia"]),
    "Atelectasis": (["{side} basilar atelectasis", "subsegmental atelectasis", "{size} atelectasis at the {side} base"],
                    ["atelectatic changes at the {side} base", "{side} lower lobe collapse"]),
    "Pneumothorax": (["{side} pneumothorax", "{size} {side} apical pneumothorax"],
                     ["{side} ptx", "pneumothoraces"]),
    "Pleural Effusion": (["{size} {side} pleural effusion", "bilateral pleural effusions", "{side} effusion"],
                         ["{side} pleural fluid", "{size} {side} effusion layering posteriorly"]),
    "Pleural Other": (["{side} pleural thickening", "pleural plaques"],
                      ["{side} apical pleural scarring", "calcified pleural plaques"]),
    "Fracture": (["{side} rib fracture", "fracture of the {side} clavicle", "healed {side} rib fractures"],
                 ["{side} humeral fracture", "compression fracture of a thoracic vertebra"]),
}
# Findings outside the 14: no observation, but present they keep No Finding off (and they are not Lung Lesion).
OTHER = (["calcified granuloma in the {side} upper lobe", "emphysema", "degenerative changes of the thoracic spine",
          "lytic lesion of the {side} humerus", "a hiatal hernia"],
         ["calcified nodule in the {side} lower lobe, likely a granuloma", "hyperinflated lungs",
          "sclerotic lesion in a thoracic vertebral body", "blunting of the {side} costophrenic angle",
          "tortuous thoracic aorta"])
DEVICES = (["endotracheal tube", "right internal jugular central line", "nasogastric tube", "left-sided pacemaker",
            "PICC line", "{side} chest tube", "sternotomy wires", "surgical clips"],
           ["tracheostomy tube", "dual-chamber pacer", "enteric tube", "Swan-Ganz catheter", "prosthetic aortic valve",
            "{side} chest port", "coronary stents"])
POSITIVE = (["There is {x}.", "{X} is present.", "{X}.", "Findings are notable for {x}.", "Again seen is {x}.",
             "Interval development of {x}.", "No change in the {x}.", "Unchanged {x}."],
            ["Redemonstrated {x}.", "{X} is noted.", "Stable {x}.", "New {x} is identified.",
             "No significant interval change in the {x}.", "Persistent {x}."])
NEGATIVE = (["No {x}.", "There is no {x}.", "No evidence of {x}.", "{X} is not seen.", "Without {x}.", "No new {x}.",
             "{X}: none.", "{X} has resolved."],
            ["Negative for {x}.", "No radiographic evidence of {x}.", "{X} is absent.", "{X}: absent.",
             "{X}: not seen.", "Interval resolution of {x}.", "{X} is no longer visualised."])
UNCERTAIN = (["Cannot exclude {x}.", "Possible {x}.", "Findings may represent {x}.", "{X} is not excluded.",
              "Likely {x}."],
             ["Questionable {x}.", "Cannot rule out {x}.", "Suspicious for {x}.", "Findings could reflect {x}.",
              "Probable {x}.", "{X} cannot be excluded."])
HISTORICAL = (["History of {x}."], ["Known history of {x}."])
# "no A to suggest B": both negative; "A, B versus C" and "A may represent B": A positive, B and C uncertain
LINKED_NEG = (["No {a} to suggest {b}."], ["There is no {a} that would suggest {b}."])
LINKED_PAIRS = [("Consolidation", "Pneumonia"), ("Lung Opacity", "Pneumonia"), ("Edema", "Pneumonia")]
HEDGED = (["{A}, likely {b}.", "{A} may represent {b}."], ["{A}, {b} versus {c}.", "{A}, which could reflect {b}."])
HEDGE_TRIPLES = [("Lung Opacity", "Atelectasis", "Pneumonia"), ("Lung Opacity", "Consolidation", "Atelectasis"),
                 ("Lung Opacity", "Pneumonia", "Edema")]
DEVICE_POSITIVE = (["{X} in place.", "{X} terminates in standard position.", "Interval placement of {x}."],
                   ["{X} is unchanged in position.", "{X} tip projects over the SVC."])
DEVICE_NEGATIVE = (["The {x} has been removed.", "Interval removal of {x}."],
                   ["{X} is no longer seen.", "The {x} was removed."])
NORMAL_LINES = (["The lungs are clear.", "Heart size is normal.", "The cardiomediastinal silhouette is normal.",
                 "No acute osseous abnormality."],
                ["Lungs are clear bilaterally.", "Normal heart size.", "Normal cardiomediastinal contours.",
                 "Visualised osseous structures are intact."])
NORMAL_LABELS = {"lungs are clear": "Lung Opacity", "heart size": "Cardiomegaly", "cardiomediastinal":
                 "Enlarged Cardiomediastinum"}
NORMAL_IMPRESSION = (["No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality."],
                     ["Normal chest radiograph.", "No active disease."])
INDICATIONS = (["INDICATION: XXXX-year-old with cough, evaluate for pneumonia.", "INDICATION: Shortness of breath.",
                "HISTORY: Chest pain."],
               ["CLINICAL HISTORY: Fever. Rule out pneumonia.", "REASON FOR EXAM: Post-procedure, assess for ptx."])
SECTIONS = ((("FINDINGS:", "IMPRESSION:"),), (("Findings:", "Conclusion:"), ("REPORT:", "SUMMARY:")))
SIDES = ["left", "right", "bilateral"]
SIZES = ["small", "moderate", "large", "mild", "trace"]


@dataclass
class GeneratedReport:
    text: str
    labels: dict[str, str]


def _fill(template: str, phrase: str) -> str:
    sentence = template.replace("{x}", phrase).replace("{X}", phrase[:1].upper() + phrase[1:])
    return sentence[:1].upper() + sentence[1:]


def _phrase(rng: random.Random, options: list[str]) -> str:
    return rng.choice(options).replace("{side}", rng.choice(SIDES)).replace("{size}", rng.choice(SIZES))


def _telegraphic(sentence: str) -> str:
    """'There is a small left effusion.' -> 'Small left effusion' (a line of a telegraphic report)."""
    s = sentence.rstrip(".")
    for lead in ("There is ", "There are ", "Findings are notable for ", "Again seen is "):
        if s.startswith(lead):
            s = s[len(lead):]
    return s[:1].upper() + s[1:]


def generate_report(rng: random.Random, style: str = "train") -> GeneratedReport:
    k = 0 if style == "train" else 1
    labels = {o: "not mentioned" for o in OBSERVATIONS}
    findings: list[str] = []
    other = False
    if rng.random() < 0.25:  # a normal report
        findings += rng.sample(NORMAL_LINES[k], k=rng.randint(2, len(NORMAL_LINES[k])))
        neg = rng.sample(["Pneumothorax", "Pleural Effusion", "Consolidation"], k=rng.randint(1, 3))
        if len(neg) > 1:
            names = [_phrase(rng, FINDING[o][k]).split(" in the ")[0] for o in neg]
            findings.append(f"No {', '.join(names[:-1])} or {names[-1]}.")
        else:
            findings.append(_fill(rng.choice(NEGATIVE[k]), _phrase(rng, FINDING[neg[0]][k])))
        for o in neg:
            labels[o] = "negative"
        for line in findings:
            for key, obs in NORMAL_LABELS.items():
                if key in line.lower().replace("normal heart size", "heart size"):
                    labels[obs] = "negative"
    else:
        chosen = rng.sample(PATHOLOGIES, k=rng.randint(1, 4))
        for o in chosen:
            state = rng.choices(["positive", "negative", "uncertain"], weights=[0.55, 0.25, 0.2])[0]
            labels[o] = state
            template = {"positive": POSITIVE, "negative": NEGATIVE, "uncertain": UNCERTAIN}[state][k]
            findings.append(_fill(rng.choice(template), _phrase(rng, FINDING[o][k])))
        free = [o for o in PATHOLOGIES if labels[o] == "not mentioned"]
        pos = [o for o in chosen if labels[o] == "positive"]
        if pos and free and rng.random() < 0.3:  # a multi-finding sentence with a scope end
            o_neg = rng.choice(free)
            labels[o_neg] = "negative"
            a = _phrase(rng, FINDING[o_neg][k])
            b = _phrase(rng, FINDING[pos[0]][k])
            findings.append(f"No {a}, but there is {b}." if k == 0 else f"No {a}; however, {b} is seen.")
        pairs = [(a, b) for a, b in LINKED_PAIRS if labels[a] == labels[b] == "not mentioned"]
        if pairs and rng.random() < 0.15:
            a, b = rng.choice(pairs)
            labels[a] = labels[b] = "negative"
            findings.append(_fill(rng.choice(LINKED_NEG[k]), "").replace("{a}", _phrase(rng, FINDING[a][k]).split(
                " in the ")[0]).replace("{b}", _phrase(rng, FINDING[b][k])))
        triples = [t for t in HEDGE_TRIPLES if all(labels[o] == "not mentioned" for o in t)]
        if triples and rng.random() < 0.15:
            a, b, c = rng.choice(triples)
            template = rng.choice(HEDGED[k])
            labels[a], labels[b] = "positive", "uncertain"
            if "{c}" in template:
                labels[c] = "uncertain"
            A = _phrase(rng, FINDING[a][k])
            findings.append(template.replace("{A}", A[:1].upper() + A[1:]).replace(
                "{b}", _phrase(rng, FINDING[b][k])).replace("{c}", _phrase(rng, FINDING[c][k])))
    free = [o for o in PATHOLOGIES if labels[o] == "not mentioned"]
    if free and rng.random() < 0.1:  # a historical mention does not count
        findings.append(_fill(rng.choice(HISTORICAL[k]), _phrase(rng, FINDING[rng.choice(free)][k])))
    if rng.random() < 0.15:
        other = True
        findings.append(_fill("{X}.", _phrase(rng, OTHER[k])))
    if rng.random() < 0.35:
        if rng.random() < 0.8:
            labels["Support Devices"] = "positive"
            findings.insert(0, _fill(rng.choice(DEVICE_POSITIVE[k]), _phrase(rng, DEVICES[k])))
        else:
            labels["Support Devices"] = "negative"
            findings.insert(0, _fill(rng.choice(DEVICE_NEGATIVE[k]), _phrase(rng, DEVICES[k])))
    rng.shuffle(findings)
    has_pathology = any(labels[o] in ("positive", "uncertain") for o in PATHOLOGIES)
    labels["No Finding"] = "not mentioned" if has_pathology or other else "positive"
    return GeneratedReport(_layout(rng, k, findings, has_pathology), labels)


def _layout(rng: random.Random, k: int, findings: list[str], has_pathology: bool) -> str:
    """Sections, lists or a telegraphic line-per-finding report around the finding sentences."""
    parts = []
    if rng.random() < 0.5:
        parts.append(rng.choice(INDICATIONS[k]))
    head, imp_head = rng.choice(SECTIONS[k])
    form = rng.choices(["prose", "telegraphic", "dashes"], weights=[0.7, 0.15, 0.15])[0]
    if form == "telegraphic":  # no header: a blank line ends the indication
        parts.append(("\n" if parts else "") + "\n".join(_telegraphic(f) for f in findings))
    elif form == "dashes":
        parts.append(head + "\n" + "\n".join("- " + f for f in findings))
    else:
        bare = rng.random() < 0.1
        parts.append(("\n" if bare and parts else "") + ("" if bare else head + " ") + " ".join(findings))
    if form != "telegraphic" and rng.random() < 0.6:
        if has_pathology:
            imp = [f for f in findings if not f.lower().startswith(("no ", "there is no", "without", "negative"))
                   and ":" not in f and not f.startswith(("History", "Known"))]
            if len(imp) > 1 and rng.random() < 0.5:
                parts.append(imp_head + "\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(imp, 1)))
            elif imp:
                parts.append(imp_head + " " + imp[0])
        else:
            parts.append(imp_head + " " + rng.choice(NORMAL_IMPRESSION[k]))
    return "\n".join(parts)


def generate_reports(n: int, seed: int = 0, style: str = "train") -> list[GeneratedReport]:
    """``n`` reports; ``style`` 'train' or 'heldout' picks the phrasing set."""
    if style not in ("train", "heldout"):
        raise ValueError("style must be 'train' or 'heldout'")
    rng = random.Random(f"{style}-{seed}")
    return [generate_report(rng, style) for _ in range(n)]
