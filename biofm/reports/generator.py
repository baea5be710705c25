"""A generator of synthetic chest radiograph reports whose 14 CheXpert labels are known by construction.

No public labelled report corpus ships with biofm, so the ``chexpert-reports`` model is trained on text composed
here from templates, synonyms, hedges, negations, devices, multi-finding sentences and normal reports. Every
phrase list is split into two disjoint styles: ``train`` phrasings (training and validation) and ``heldout``
phrasings (a test set with wordings the model never saw), so memorising the generator shows up as a gap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from biofm.reports.observations import OBSERVATIONS

PATHOLOGIES = [o for o in OBSERVATIONS if o not in ("No Finding", "Support Devices")]

# observation -> (train phrasings, heldout phrasings); {side} and {size} are filled at random
FINDING = {
    "Enlarged Cardiomediastinum": (["widened mediastinum", "enlarged cardiomediastinal silhouette",
                                    "mediastinal widening"],
                                   ["prominent superior mediastinum", "widening of the mediastinum"]),
    "Cardiomegaly": (["cardiomegaly", "enlarged cardiac silhouette", "{size} cardiomegaly"],
                     ["enlargement of the heart", "cardiac enlargement"]),
    "Lung Lesion": (["{side} pulmonary nodule", "{size} mass in the {side} upper lobe", "{side} lung lesion"],
                    ["spiculated {side} lung mass", "{side} upper lobe nodules"]),
    "Lung Opacity": (["{side} basilar opacity", "patchy opacities in the {side} lung", "{side} lower lobe opacification"],
                     ["hazy {side} perihilar density", "ground-glass opacities in the {side} lung"]),
    "Edema": (["pulmonary edema", "{size} interstitial edema", "pulmonary vascular congestion"],
              ["alveolar edema", "findings of fluid overload"]),
    "Consolidation": (["{side} lower lobe consolidation", "focal consolidation in the {side} base"],
                      ["consolidative process in the {side} lower lobe", "airspace consolidation at the {side} base"]),
    "Pneumonia": (["{side} lower lobe pneumonia", "pneumonia", "multifocal pneumonia"],
                  ["an infectious process in the {side} base", "bronchopneumonia"]),
    "Atelectasis": (["{side} basilar atelectasis", "subsegmental atelectasis", "{size} atelectasis at the {side} base"],
                    ["atelectatic changes at the {side} base", "{side} lower lobe collapse"]),
    "Pneumothorax": (["{side} pneumothorax", "{size} {side} apical pneumothorax"],
                     ["{side} ptx", "pneumothoraces"]),
    "Pleural Effusion": (["{size} {side} pleural effusion", "bilateral pleural effusions", "{side} effusion"],
                         ["{side} pleural fluid", "blunting of the {side} costophrenic angle"]),
    "Pleural Other": (["{side} pleural thickening", "pleural plaques"],
                      ["{side} apical pleural scarring", "calcified pleural plaques"]),
    "Fracture": (["{side} rib fracture", "fracture of the {side} clavicle", "healed {side} rib fractures"],
                 ["{side} humeral fracture", "compression fracture of a thoracic vertebra"]),
}
DEVICES = (["endotracheal tube", "right internal jugular central line", "nasogastric tube", "left-sided pacemaker",
            "PICC line", "{side} chest tube"],
           ["tracheostomy tube", "dual-chamber pacer", "enteric tube", "Swan-Ganz catheter"])
POSITIVE = (["There is {x}.", "{X} is present.", "{X}.", "Findings are notable for {x}.", "Again seen is {x}.",
             "Interval development of {x}."],
            ["Redemonstrated {x}.", "{X} is noted.", "Stable {x}.", "New {x} is identified."])
NEGATIVE = (["No {x}.", "There is no {x}.", "No evidence of {x}.", "{X} is not seen.", "Without {x}."],
            ["Negative for {x}.", "{X} has resolved.", "No radiographic evidence of {x}.", "{X} is absent."])
UNCERTAIN = (["Cannot exclude {x}.", "Possible {x}.", "Findings may represent {x}.", "{X} is not excluded.",
              "Likely {x}."],
             ["Questionable {x}.", "Cannot rule out {x}.", "Suspicious for {x}.", "Findings could reflect {x}.",
              "Probable {x}."])
DEVICE_POSITIVE = (["{X} in place.", "{X} terminates in standard position.", "Interval placement of {x}."],
                   ["{X} is unchanged in position.", "{X} tip projects over the SVC."])
DEVICE_NEGATIVE = (["The {x} has been removed.", "Interval removal of {x}."],
                   ["{X} is no longer seen.", "The {x} was removed."])
NORMAL_LINES = (["The lungs are clear.", "Heart size is normal.", "The cardiomediastinal silhouette is normal.",
                 "No acute osseous abnormality."],
                ["Lungs are clear bilaterally.", "Normal heart size.", "Normal cardiomediastinal contours.",
                 "Visualized osseous structures are intact."])
NORMAL_IMPRESSION = (["No acute cardiopulmonary process.", "No acute cardiopulmonary abnormality."],
                     ["Normal chest radiograph.", "No active disease."])
INDICATIONS = (["INDICATION: XXXX-year-old with cough, evaluate for pneumonia.", "INDICATION: Shortness of breath.",
                "HISTORY: Chest pain."],
               ["CLINICAL HISTORY: Fever. Rule out pneumonia.", "REASON FOR EXAM: Post-procedure, assess for ptx."])
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


def generate_report(rng: random.Random, style: str = "train") -> GeneratedReport:
    k = 0 if style == "train" else 1
    labels = {o: "not mentioned" for o in OBSERVATIONS}
    findings: list[str] = []
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
            if "heart" in line.lower():
                labels["Cardiomegaly"] = "negative"
            if "cardiomediastinal" in line.lower():
                labels["Enlarged Cardiomediastinum"] = "negative"
            if "lungs are clear" in line.lower():
                labels["Lung Opacity"] = "negative"
    else:
        chosen = rng.sample(PATHOLOGIES, k=rng.randint(1, 4))
        for o in chosen:
            state = rng.choices(["positive", "negative", "uncertain"], weights=[0.55, 0.25, 0.2])[0]
            labels[o] = state
            template = {"positive": POSITIVE, "negative": NEGATIVE, "uncertain": UNCERTAIN}[state][k]
            findings.append(_fill(rng.choice(template), _phrase(rng, FINDING[o][k])))
        pos = [o for o in chosen if labels[o] == "positive"]
        extra = [o for o in PATHOLOGIES if labels[o] == "not mentioned"]
        if pos and extra and rng.random() < 0.35:  # a multi-finding sentence with a scope end
            o_neg = rng.choice(extra)
            labels[o_neg] = "negative"
            a = _phrase(rng, FINDING[o_neg][k])
            b = _phrase(rng, FINDING[pos[0]][k])
            findings.append(f"No {a}, but there is {b}." if k == 0 else f"No {a}; however, {b} is seen.")
    if rng.random() < 0.35:
        if rng.random() < 0.8:
            labels["Support Devices"] = "positive"
            findings.insert(0, _fill(rng.choice(DEVICE_POSITIVE[k]), _phrase(rng, DEVICES[k])))
        else:
            labels["Support Devices"] = "negative"
            findings.insert(0, _fill(rng.choice(DEVICE_NEGATIVE[k]), _phrase(rng, DEVICES[k])))
    rng.shuffle(findings)
    has_pathology = any(labels[o] in ("positive", "uncertain") for o in PATHOLOGIES)
    labels["No Finding"] = "not mentioned" if has_pathology else "positive"
    parts = []
    if rng.random() < 0.5:
        parts.append(rng.choice(INDICATIONS[k]))
    parts.append("FINDINGS: " + " ".join(findings))
    if rng.random() < 0.6:
        if has_pathology:
            imp = [f for f in findings if not f.lower().startswith(("no ", "there is no", "without", "negative"))]
            if len(imp) > 1 and rng.random() < 0.5:
                parts.append("IMPRESSION:\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(imp, 1)))
            else:
                parts.append("IMPRESSION: " + (imp[0] if imp else findings[0]))
        else:
            parts.append("IMPRESSION: " + rng.choice(NORMAL_IMPRESSION[k]))
    return GeneratedReport("\n".join(parts), labels)


def generate_reports(n: int, seed: int = 0, style: str = "train") -> list[GeneratedReport]:
    """``n`` reports; ``style`` 'train' or 'heldout' picks the phrasing set."""
    if style not in ("train", "heldout"):
        raise ValueError("style must be 'train' or 'heldout'")
    rng = random.Random(f"{style}-{seed}")
    return [generate_report(rng, style) for _ in range(n)]
