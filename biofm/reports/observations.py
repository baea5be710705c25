"""The 14 CheXpert observations, their label values and the phrases that mention them."""

from __future__ import annotations

OBSERVATIONS = (
    "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Lesion", "Lung Opacity", "Edema",
    "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other", "Fracture",
    "Support Devices",
)
LABELS = ("positive", "negative", "uncertain", "not mentioned")
CHEXPERT = {"positive": "1", "negative": "0", "uncertain": "-1", "not mentioned": ""}


def chexpert_value(label: str) -> str:
    """CheXpert convention: 1 positive, 0 negative, -1 uncertain, empty not mentioned."""
    return CHEXPERT[label]


# Regular expressions (matched case-insensitively on word boundaries) that mention each observation.
MENTIONS: dict[str, list[str]] = {
    "Enlarged Cardiomediastinum": [
        r"(?:widen(?:ed|ing)|enlarge(?:d|ment)|prominen(?:t|ce))(?: of)? (?:the )?(?:superior )?(?:cardio)?mediastin(?:um|al(?: silhouette| contours?)?)",
        r"mediastin(?:um|al (?:silhouette|contours?)) (?:is |are |appears? |remains? )?(?:widened|enlarged|prominent)",
        r"mediastinal (?:widening|enlargement)",
        r"(?:enlarged|prominent|widened) cardiomediastinal (?:silhouette|contours?)",
    ],
    "Cardiomegaly": [
        r"cardiomegaly", r"(?:enlarged|large|prominent) (?:heart|cardiac silhouette)",
        r"(?:heart|cardiac silhouette)(?: size)? (?:is |appears |remains )?(?:mildly |moderately |markedly |severely )?(?:enlarged|large)",
        r"enlargement of the (?:heart|cardiac silhouette)", r"cardiac enlargement",
    ],
    "Lung Lesion": [
        r"(?:pulmonary |lung )?nodules?", r"(?:pulmonary |lung )?mass(?:es)?", r"(?:pulmonary |lung )?lesions?",
        r"(?:lung )?(?:tumou?r|neoplasm|carcinoma|malignancy)", r"cavitary (?:lesion|opacity)", r"granulomas?",
    ],
    "Lung Opacity": [
        r"opacit(?:y|ies)", r"opacification", r"infiltrat(?:e|es|ion)", r"densit(?:y|ies)", r"dense", r"haziness",
        r"airspace (?:disease|process)", r"ground[- ]glass", r"reticular (?:markings|opacities|pattern)",
        r"interstitial (?:markings|prominence|thickening|disease|pattern)",
        r"(?<!pleural )(?<!pleural-parenchymal )scarring",
    ],
    "Edema": [
        r"(?:pulmonary |interstitial |alveolar )?o?edema", r"(?:pulmonary )?vascular congestion",
        r"pulmonary congestion", r"fluid overload", r"congestive heart failure", r"chf",
        r"cephalization", r"kerley b lines",
    ],
    "Consolidation": [r"consolidat(?:ion|ions|ive(?: opacity| process)?)"],
    "Pneumonia": [r"pneumonias?", r"(?:infectious|inflammatory) process", r"infection", r"bronchopneumonia"],
    "Atelectasis": [r"atelecta(?:sis|ses|tic(?: changes)?)", r"(?:lobar |segmental |subsegmental )?collapse",
                    r"volume loss"],
    "Pneumothorax": [r"pneumothora(?:x|ces)", r"ptx"],
    "Pleural Effusion": [
        r"(?:pleural )?effusions?", r"pleural fluid", r"hydrothorax",
        r"blunting of the (?:(?:left|right|bilateral) )?costophrenic (?:angles?|sulc(?:us|i))",
        r"costophrenic (?:angles?|sulc(?:us|i)) (?:is |are )?blunted",
    ],
    "Pleural Other": [r"pleural (?:thickening|scarring|plaques?|calcifications?)", r"fibrothorax",
                      r"pleural-parenchymal scarring"],
    "Fracture": [r"fractures?", r"fx"],
    "Support Devices": [
        r"(?:endotracheal|et|tracheostomy|nasogastric|ng|orogastric|og|feeding|chest|enteric) tubes?",
        r"(?:central venous |central |picc |internal jugular |subclavian )(?:line|catheter)s?", r"picc",
        r"catheters?", r"pacemaker", r"pacer(?: leads?)?", r"(?:aicd|icd|defibrillator)",
        r"swan[- ]ganz", r"(?:sternotomy )?wires", r"leads?", r"port-?a-?cath", r"(?:chest )?drains?", r"stents?",
        r"lines and tubes", r"support devices", r"valve replacement",
    ],
}

# Phrases that describe the observation as normal (a negative statement without a negation cue).
NORMAL: dict[str, list[str]] = {
    "Enlarged Cardiomediastinum": [
        r"cardiomediastinal (?:silhouette|contours?) (?:is |are |appears? |remains? )?(?:normal|within normal limits|unremarkable|not enlarged)",
        r"normal cardiomediastinal (?:silhouette|contours?)", r"mediastin(?:um|al contours?) (?:is |are )?normal",
    ],
    "Cardiomegaly": [
        r"heart size (?:is |appears |remains )?(?:normal|within normal limits|(?:at the )?upper limits? of normal)",
        r"normal (?:heart size|cardiac silhouette|cardiac size)",
        r"cardiac (?:silhouette|size) (?:is |appears |remains )?(?:normal|within normal limits|unremarkable)",
        r"heart is (?:normal|not enlarged) in size",
    ],
    "Lung Opacity": [r"lungs? (?:are |is )?clear", r"clear lungs"],
}
