"""The 14 CheXpert observations, their label values and the phrases (target rules) that mention them.

The mention vocabulary follows the CheXpert labeler's phrase lists (Irvin et al. 2019; as shipped with NegBio /
RadText), widened with common synonyms and British spellings, with three deliberate departures a radiologist would
make: granulomas, calcified nodules and bone / soft-tissue lesions are *not* Lung Lesion; "blunting" of a
costophrenic angle and "volume loss" are other findings, as in CheXpert, not effusion or atelectasis; support devices
have a vocabulary of their own (tubes, lines, catheters, pacemakers and leads, wires, clips, valves, stents, ports,
drains, hardware) with look-alikes (Kerley B lines, the pleural line) taken out.
"""

from __future__ import annotations

OBSERVATIONS = (
    "No Finding", "Enlarged Cardiomediastinum", "Cardiomegaly", "Lung Lesion", "Lung Opacity", "Edema",
    "Consolidation", "Pneumonia", "Atelectasis", "Pneumothorax", "Pleural Effusion", "Pleural Other", "Fracture",
    "Support Devices",
)
PATHOLOGIES = tuple(o for o in OBSERVATIONS if o not in ("No Finding", "Support Devices"))  # the 12 of No Finding
LABELS = ("positive", "negative", "uncertain", "not mentioned")
CHEXPERT = {"positive": "1", "negative": "0", "uncertain": "-1", "not mentioned": ""}


def chexpert_value(label: str) -> str:
    """CheXpert convention: 1 positive, 0 negative, -1 uncertain, empty not mentioned."""
    return CHEXPERT[label]


_SIDE = r"(?:(?:left|right|bilateral|both|l|r)\s+)?"
_BONE = (r"(?:humer(?:us|al)|ribs?|clavic(?:le|ular)|scapula(?:r)?|spine|spinal|vertebra(?:l|e)?(?: bod(?:y|ies))?|"
         r"sternum|sternal|bones?|pelvis|femur|skull|shoulder|acromion|glenoid|thoracic spine|t\d+)")

# Regular expressions (case-insensitive, on word boundaries) per observation. A phrase may name two observations:
# the key then joins them with " + " (a nodular opacity is both a lesion and an opacity).
MENTIONS: dict[str, list[str]] = {
    "Enlarged Cardiomediastinum": [
        r"(?:widen(?:ed|ing)|enlarge(?:d|ment)|prominen(?:t|ce))(?: of)? (?:the )?(?:superior )?(?:cardio)?mediastin(?:um|al(?: silhouette| contours?)?)",
        r"(?:cardio)?mediastin(?:um|al (?:silhouette|contours?|shadow)) (?:is |are |appears? |remains? |may be |is mildly )?(?:widened|enlarged|prominent|wide)",
        r"(?:superior )?mediastinal (?:widening|enlargement|prominence)",
        r"(?:enlarged|prominent|widened|wide) (?:cardio)?mediastinal (?:silhouette|contours?|shadow)",
        r"(?:widened|wide|enlarged) (?:superior )?mediastinum",
    ],
    "Cardiomegaly": [
        r"cardiomegaly", r"(?:enlarged|large|prominent|globular) (?:heart|cardiac (?:silhouette|shadow|contours?|size))",
        r"(?:heart|cardiac (?:silhouette|shadow|contours?))(?: size)? (?:is |appears |remains |looks )?(?:mildly |moderately |markedly |severely |slightly )?(?:enlarged|large)",
        r"enlargement of the (?:heart|cardiac silhouette)", r"cardiac enlargement", r"cardiomegally",
    ],
    "Lung Lesion": [
        r"(?:pulmonary |lung )?nodules?", r"(?:pulmonary |lung |hilar |perihilar )?mass(?:es)?", r"lump",
        r"(?:pulmonary |lung |parenchymal |cavitary |cavitating |spiculated )?lesions?",
        r"(?:lung )?(?:tumou?rs?|neoplasms?|carcinoma|malignancy|metastatic (?:disease|nodules?))", r"nodular densit(?:y|ies)",
        r"cavit(?:y|ies|ation)",
    ],
    "Lung Lesion + Lung Opacity": [r"nodular (?:opacit(?:y|ies)|opacification)", r"mass-?like (?:opacit(?:y|ies)|densit(?:y|ies)|consolidation)"],
    "Lung Opacity": [
        r"opacit(?:y|ies)", r"opacification", r"opacified", r"infiltrat(?:e|es|ion|ive)", r"densit(?:y|ies)",
        r"haziness", r"hazy", r"decreased translucency", r"increased (?:density|markings)",
        r"air[- ]?space (?:disease|process|opacit(?:y|ies))", r"ground[- ]glass", r"reticulation", r"reticul(?:ar|onodular) (?:markings|opacities|pattern|changes)",
        r"interstitial (?:markings?|prominence|thickening|disease|pattern|lung disease|opacities|changes)",
        r"peribronchial (?:thickening|cuffing)", r"bronchial wall thickening",
        r"scar(?:ring|s)?", r"fibrosis", r"fibrotic changes",
    ],
    "Edema": [
        r"(?:pulmonary |interstitial |alveolar |perihilar )?o?edema", r"(?:pulmonary )?(?:vascular|venous) congestion",
        r"pulmonary congestion", r"fluid overload", r"(?:congestive )?heart failure", r"chf", r"cephali[sz]ation",
        r"kerley (?:b )?lines", r"septal lines", r"(?:pulmonary )?vascular (?:prominence|engorgement|redistribution)",
        r"pulmonary venous hypertension", r"(?:perihilar |vascular )?indistinctness",
    ],
    "Consolidation": [r"consolidat(?:ion|ions|ed|ive(?: process)?)"],
    "Consolidation + Lung Opacity": [r"consolidative opacit(?:y|ies)"],
    "Pneumonia": [r"(?:broncho)?pneumonias?", r"infectious(?: process)?", r"infections?", r"pneumonic"],
    "Atelectasis": [r"atelecta(?:sis|ses|tic(?: changes)?)", r"(?:lobar |segmental |subsegmental |lung )?collapse"],
    "Pneumothorax": [r"pneumothora(?:x|ces)", r"ptx"],
    "Pneumothorax + Pleural Effusion": [r"hydropneumothorax"],
    "Pleural Effusion": [
        r"(?:pleural )?effusions?", r"pleural fluid", r"hydrothorax", r"fluid in the (?:minor |major )?fissure",
        r"loculated fluid",
    ],
    "Pleural Other": [r"pleural (?:thickening|scarring|scar|plaques?|calcifications?|fibrosis)", r"fibrothorax",
                      r"pleur(?:al|o)[- ]parenchymal (?:scarring|scar|thickening)", r"pleuro-pericardial scar(?:ring)?",
                      r"calcified pleural plaques?", r"pleural-based (?:thickening|opacity)"],
    "Fracture": [r"fractures?", r"fractured", r"fx"],
    "Support Devices": [
        r"(?:endotracheal|et|tracheostomy|trach|nasogastric|ng|orogastric|og|feeding|chest|enteric|dobhoff|"
        r"thoracostomy|gastrostomy|pigtail)?\s?tubes?",
        r"(?:central venous |central |picc |internal jugular |ij |subclavian |arterial |femoral |dialysis |venous )(?:lines?|catheters?)",
        r"picc(?: lines?)?", r"lines and tubes", r"lines?", r"catheters?", r"cannula", r"ett", r"ngt",
        r"(?:dual[- ]chamber |single[- ]chamber |biventricular )?(?:pacemakers?|pacers?)",
        r"(?:pacer|pacemaker|pacing|icd|aicd|defibrillator|ecg|ekg|monitoring|telemetry|epicardial|transvenous) (?:leads?|wires?|generator|device)",
        r"aicd", r"icd", r"(?:cardiac )?defibrillator", r"loop recorder", r"swan[- ]ganz", r"hickman",
        r"(?:sternotomy |sternal |cerclage |surgical |guide ?)?wires?", r"(?:surgical |vascular )?clips?",
        r"(?:prosthetic|mechanical|bioprosthetic|artificial) (?:aortic |mitral |tricuspid |pulmonic )?valves?",
        r"(?:aortic|mitral|tricuspid) valve (?:replacement|prosthesis|repair)", r"valve replacements?", r"tavr|tavi",
        r"stents?", r"(?:chest |power )?ports?", r"port-?a-?cath", r"mediport", r"(?:chest |mediastinal |surgical )?drains?",
        r"(?:orthopedic |spinal |fusion |surgical )?hardware", r"screws?", r"(?:fixation |surgical )plates?",
        r"(?:spinal |harrington )rods?", r"arthroplasty", r"(?:shoulder |humeral )prosthesis", r"(?:ivc )filter",
        r"(?:embolization )?coils?", r"(?:intra-?aortic )?balloon pump", r"iabp", r"support devices", r"devices?",
    ],
}

# Phrases that look like a mention but are not one: the longer match wins, so these take the words away.
# Other findings (not among the 14) that, affirmed, keep No Finding off, as in the CheXpert labeler.
OTHER_FINDINGS = [
    r"(?:calcified |healed )?granulom(?:a|as|ata|atous(?: disease| changes)?)", r"calcified (?:lung |pulmonary )?nodul(?:e|es|arity)",
    r"(?:lytic|sclerotic|blastic|osteolytic|osteoblastic|osseous|bone|bony|skeletal|expansile) (?:lesions?|metastas[ie]s|mass(?:es)?)",
    rf"(?:lesions?|mass(?:es)?|nodules?) (?:of|in|involving|within) (?:the |a |an )?{_SIDE}(?:proximal |distal |posterior |anterior |lateral )?{_BONE}",
    rf"{_SIDE}{_BONE} (?:lesions?|mass(?:es)?)",
    r"(?:breast|soft[- ]tissue|hepatic|liver|renal|thyroid|adrenal) (?:lesions?|mass(?:es)?|nodules?)",
    r"calcified (?:lymph )?nodes?", r"emphysema(?:tous(?: changes)?)?", r"hyperinflat(?:ion|ed)", r"hyperexpan(?:sion|ded)",
    r"copd", r"chronic obstructive pulmonary disease", r"bullae", r"bullous", r"scoliosis", r"kyphosis",
    r"degenerative (?:changes?|disease)", r"spondylosis", r"osteophytes?", r"osteopenia", r"(?:hiatal |hiatus )?hernia",
    r"(?:aortic |vascular |coronary )?calcifications?", r"calcified aorta", r"atherosclero(?:sis|tic(?: changes| disease)?)",
    r"tortuous(?: thoracic)? aorta", r"tortuosity(?: of the (?:thoracic )?aorta)?", r"ectatic aorta",
    r"(?:elevat(?:ed|ion)(?: of)?(?: the)? (?:left |right )?hemidiaphragms?)", r"(?:left |right )?hemidiaphragm(?:atic)? elevation",
    r"eventration", r"blunt(?:ing|ed)(?: of)?(?: the)?(?: (?:left|right|bilateral))?(?: costophrenic (?:angles?|sulc(?:us|i)))?",
    r"volume loss", r"pneumomediastinum", r"pneumoperitoneum", r"free (?:intraperitoneal )?air", r"subcutaneous emphysema",
    r"metastas[ie]s", r"hematoma", r"contusion", r"deformity", r"aspiration", r"bronchiectasis", r"bronchitis",
    r"airways? disease", r"(?:hilar |mediastinal )?(?:lymph)?adenopathy", r"pericardial effusion",
    r"(?:soft tissue|subcutaneous|chest wall) o?edema", r"vertebral (?:body )?collapse", r"compression deformity",
    r"osteoarthritis", r"arthropathy", r"(?:fissural|fissure) thickening", r"thickened (?:(?:minor|major) )?fissures?",
    r"thickening of the (?:(?:left|right) )?(?:(?:minor|major|horizontal|oblique) )?fissures?",
]
# Look-alikes that name nothing here (a pleural line is the edge of a pneumothorax, not a device).
IGNORE = [
    r"(?:visceral )?pleural lines?", r"(?:mid|skin|fissure|azygoesophageal|paraspinal|paratracheal|junction|"
    r"costophrenic|diaphragmatic) lines?", r"in line with", r"line of sight", r"(?:along|at) the line",
    r"tube (?:feeds?|feeding)", r"lung volumes?", r"chest tube (?:site|tract)",
    r"(?:upper|lower) limits? of normal", r"support(?:ing|ive)? (?:the )?(?:diagnosis|findings?)", r"mass effect",
    r"massive(?:ly)?", r"(?:skin|cutaneous|nipple) (?:lesions?|mass(?:es)?|nodules?|markers?|shadows?|folds?)",
    r"skin folds?",
]

# Phrases that describe an observation as normal (a negative statement without a negation cue).
NORMAL: dict[str, list[str]] = {
    "Enlarged Cardiomediastinum": [
        r"cardiomediastinal (?:silhouette|contours?|shadow)(?: and (?:the )?(?:pulmonary )?(?:vascularity|vasculature|hila))? (?:is |are |appears? |remains? |looks? )?(?:normal|within normal limits|unremarkable|not enlarged|not widened|stable|unchanged)(?: (?:in size|in contour|in appearance))?",
        r"(?:normal|unremarkable|stable|unchanged) cardiomediastinal (?:silhouette|contours?|shadow|size)",
        r"(?:the )?mediastin(?:um|al (?:contours?|silhouette)) (?:is |are |appears? |remains? )?(?:normal|unremarkable|within normal limits|not widened)",
        r"normal mediastin(?:um|al (?:contours?|silhouette))", r"cardiomediastinal (?:silhouette|contours?):? (?:normal|wnl)",
    ],
    "Cardiomegaly": [
        r"(?:heart size|heart|cardiac (?:silhouette|size|contours?|shadow))(?: and (?:the )?(?:pulmonary )?(?:vascularity|vasculature|"
        r"hila|hilar contours))? (?:is |are |appears? |remains? |looks )?(?:normal|"
        r"within normal limits|(?:at )?(?:the )?upper limits? of normal|top normal|not enlarged)",
        r"normal (?:heart(?: size)?|cardiac (?:silhouette|size|contours?|shadow))", r"normal[- ]sized? heart",
        r"cardiac (?:silhouette|size|contours?|shadow) (?:is |appears |remains )?(?:normal|within normal limits|unremarkable|not enlarged)(?: in size)?",
        r"heart (?:is |appears |remains )?(?:normal|not enlarged)(?: in size)?", r"heart(?: size)?:? (?:normal|wnl)",
        r"no (?:evidence of )?cardiac enlargement",
    ],
    "Enlarged Cardiomediastinum + Cardiomegaly": [
        r"(?:the )?heart and mediastinum (?:are |appear )?(?:normal|unremarkable|within normal limits)",
        r"(?:heart size|heart|cardiac silhouette) and (?:the )?(?:mediastinum|mediastinal (?:contours?|silhouette)|"
        r"cardiomediastinal silhouette) (?:is |are |appears? |remain )?(?:normal|unremarkable|within normal limits|stable)",
        r"mediastinal contours (?:are )?normal",
    ],
    "Lung Opacity": [r"lungs? (?:are |is |appear |remain )?(?:otherwise |now |grossly |both )?(?:(?:well[- ]expanded|well[- ]aerated|"
                     r"hypoinflated|hyperinflated|low in volume|expanded|hyperexpanded) (?:and|but) )?clear",
                     r"clear lungs", r"lungs?:? clear"],
    "Edema": [r"(?:pulmonary )?vascularity (?:is |appears |remains )?(?:normal|within normal limits|unremarkable)",
              r"normal (?:pulmonary )?vascularity"],
    "Pleural Effusion": [r"costophrenic (?:angles?|sulci) (?:are |is )?(?:sharp|clear|preserved)",
                         r"sharp costophrenic (?:angles?|sulci)"],
}

# Phrases uncertain by themselves (the CheXpert labeler reads a borderline heart size as uncertain).
BORDERLINE: dict[str, list[str]] = {
    "Cardiomegaly": [r"(?:heart|cardiac (?:silhouette|size))(?: size)? (?:is |appears |remains )?borderline(?: enlarged| in size| large)?",
                     r"borderline (?:heart size|cardiac size|cardiac silhouette|enlarged heart|enlargement of the heart)"],
}

# Whole-report normal statements: the evidence for No Finding (they mention no observation).
NORMAL_REPORT = [
    r"no acute (?:cardiopulmonary|intrathoracic|cardiothoracic|pulmonary|chest|thoracic) (?:process|abnormality|abnormalities|disease|findings?|pathology)",
    r"no (?:acute |active )?(?:cardiopulmonary|intrathoracic) (?:process|abnormality|disease)", r"no active disease",
    r"normal (?:chest|study|radiograph|examination|exam|chest x-?ray|chest film|frontal and lateral)",
    r"no acute (?:disease|findings?|abnormality)", r"unremarkable (?:chest|study|radiograph|examination)",
    r"(?:chest|study|examination|radiograph) (?:is )?(?:normal|unremarkable|within normal limits)",
    r"no radiographic evidence of (?:acute )?(?:cardiopulmonary )?disease", r"no significant abnormality",
    r"no (?:acute )?abnormality", r"within normal limits",
]
