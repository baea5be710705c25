"""Synthetic clinical notes with known identifiers, from the project's own templates and Faker's fake values.

Training and held-out templates are disjoint (different wording, different sections), so the held-out recall says
how the model does on text it has not seen the shape of. No real patient or dataset text is involved.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

LABELS = ("NAME", "DATE", "AGE", "ID", "CONTACT", "LOCATION", "ORGANIZATION")

TRAIN_TEMPLATES = [
    "{PATIENT} is a {AGE_ANY}-year-old seen on {DATE} for chest pain. MRN {MRN}.",
    "Patient: {PATIENT}\nDOB: {DATE}\nMRN: {MRN}\nAttending: Dr. {DOCTOR}",
    "Discharge summary for {PATIENT} ({MRN}). Admitted {DATE}, discharged {DATE}. Follow up with Dr. {DOCTOR} at "
    "{HOSPITAL}.",
    "Called {PATIENT} at {PHONE} to discuss lab results; no answer, voicemail left.",
    "Referred by {DOCTOR}, {ORG}. Fax records to {PHONE}.",
    "Mr. {PATIENT_LAST} presented to {HOSPITAL} emergency department on {DATE} with shortness of breath.",
    "Home address: {ADDRESS}, {CITY}, {STATE} {ZIP}. Lives alone.",
    "Insurance: {ORG}, member ID {MRN}. SSN {SSN}.",
    "Ms. {PATIENT_LAST}, age {AGE_OLD}, was transferred from {HOSPITAL} on {DATE}.",
    "Email from patient ({EMAIL}) on {DATE} asking about dose change.",
    "Portal message sent via {URL} to {PATIENT}.",
    "Daughter {RELATIVE} can be reached at {PHONE} or {EMAIL}.",
    "Seen in clinic today, {DATE}. {PATIENT} reports improved sleep. Next visit in {CITY} office.",
    "Accession {MRN}. CT chest {DATE}: no pulmonary embolism. Read by {DOCTOR}, MD.",
    "{AGE_OLD} year old woman, resident of {CITY}, with advanced dementia.",
    "Consulted {DOCTOR} (cardiology, {HOSPITAL}); recommends echo before {DATE}.",
    "Access logged from {IP} by user {EMAIL} on {DATE}.",
    "Pt {PATIENT} (acct {MRN}) lives at {ADDRESS} with spouse {RELATIVE}.",
    "Prior records requested from {ORG}, {CITY}, {STATE}.",
    "Surgery scheduled {DATE} at {HOSPITAL}. Surgeon: {DOCTOR}. Contact {PHONE}.",
    "Hospital course: {PATIENT} is an {AGE_OLD} yo man admitted on {DATE} with sepsis.",
    "Pharmacy ({ORG}) called {DATE} re: refill for {PATIENT}, DOB {DATE}.",
    # bare surnames as subjects and after role words, titles outside the name
    "{TITLE} {PATIENT_LAST} returned for review; the wound is healing.",
    "{PATIENT_LAST} tolerated the procedure well. Discussed with {DOCTOR_LAST}.",
    "Case discussed with covering physician {DOCTOR_LAST} today.",
    "Nurse {RELATIVE} paged {DOCTOR_LAST} at {PHONE}.",
    "Since {DATE}, {PATIENT_LAST} has had no further seizures.",
    "Per {TITLE} {DOCTOR_LAST}, continue the current plan until {DATE}.",
    "{PATIENT_LAST} declined the flu vaccine; wife {RELATIVE} was present.",
    "Overnight {PATIENT_LAST} was stable. Seen with resident {DOCTOR_LAST} and attending {DOCTOR}.",
]

HELD_OUT_TEMPLATES = [
    "Identification: {PATIENT}, record no. {MRN}, born {DATE}.",
    "The patient was brought in by her son {RELATIVE} ({PHONE}) after a fall at home on {DATE}.",
    "Correspondence: {EMAIL}; alternate number {PHONE}.",
    "Transfer note - sending facility {HOSPITAL}; receiving physician {DOCTOR}; date of transfer {DATE}.",
    "{PATIENT} resides at {ADDRESS}, {CITY} {STATE} {ZIP} and works for {ORG}.",
    "Nonagenarian ({AGE_OLD} years old) with hip fracture; surgery on {DATE} by {DOCTOR}.",
    "Billing: account {MRN}; Social Security number {SSN}; payer {ORG}.",
    "Results uploaded to {URL} on {DATE} from workstation {IP}.",
    "On {DATE} {PATIENT_LAST} telephoned from {CITY} reporting fever.",
    "Addendum by {DOCTOR} on {DATE}: spoke with {PATIENT} and her husband {RELATIVE}.",
]


# Clinical sentences with no identifier, so the model learns that drugs, diseases (eponyms included), findings and
# procedures are not PHI. Each list is split in two: the first part for training, the rest for held-out notes.
DRUGS = ("aspirin metformin lisinopril atorvastatin cisplatin warfarin heparin insulin amoxicillin vancomycin "
         "furosemide prednisone morphine ondansetron levothyroxine apixaban clopidogrel omeprazole gabapentin "
         "ceftriaxone tamoxifen methotrexate digoxin amiodarone salbutamol").split()
CONDITIONS = ["hypertension", "diabetes mellitus", "atrial fibrillation", "pneumonia", "sepsis", "ischaemic stroke",
              "glioma", "adenocarcinoma", "COPD", "asthma", "heart failure", "chronic kidney disease", "cirrhosis",
              "Parkinson disease", "Crohn disease", "Hodgkin lymphoma", "Alzheimer disease", "aphasia", "migraine",
              "Graves disease", "Cushing syndrome", "Addison disease", "Bell palsy", "Wilson disease", "epilepsy",
              "anaemia", "gout", "psoriasis", "Down syndrome", "Hashimoto thyroiditis"]
FINDINGS = ["pleural effusion", "pneumothorax", "cardiomegaly", "consolidation", "pulmonary oedema", "atelectasis",
            "a spiculated mass", "a small nodule", "a displaced fracture", "an ulcerated lesion", "ST elevation",
            "troponin rise", "hyponatraemia", "leukocytosis", "ascites", "hepatomegaly", "a Baker cyst",
            "a Schatzki ring", "Kerley B lines", "a Colles fracture"]
PROCEDURES = ["CT head", "MRI brain", "chest X-ray", "ultrasound", "echocardiogram", "ECG", "colonoscopy", "biopsy",
              "lumbar puncture", "bronchoscopy", "PET-CT", "Holter monitoring", "Whipple procedure", "cardioversion"]
SITES = ["right base", "left base", "right upper lobe", "left lower lobe", "right apex", "left hilum", "lung bases",
         "left ventricle", "right atrium", "anterior leads", "inferior wall", "right knee", "left hip", "lumbar spine",
         "right kidney", "liver", "right breast", "left temporal lobe", "cervical spine", "sigmoid colon",
         "gastric antrum", "frontal lobe", "left axilla", "right hemidiaphragm"]
FILLERS = ["{F} at the {S}.", "Cannot exclude {C} at the {S}.", "{P} of the {S} is unremarkable.",
           "Opacity in the {S}.", "{D} {N} mg daily for {C}.", "{F} noted on {P}.", "No {F}.", "{C} is stable on {D}.",
           "History of {C} and {C}.", "Started {D}; symptoms improved.", "{P} planned to assess {F}.",
           "{P} shows {F}.", "Continue {D} and {D}.", "Known {C}, well controlled.", "{C} suspected; {P} ordered.",
           "Denies chest pain. {F} on exam.", "Plan: {P}, then review {D} dose."]


def _half(items, held_out: bool):
    k = (len(items) * 2) // 3
    return items[k:] if held_out else items[:k]


def clinical_sentence(rng: random.Random, held_out: bool = False) -> str:
    """A clinical sentence without identifiers, from the training (or held-out) part of the word lists."""
    pick = {"D": _half(DRUGS, held_out), "C": _half(CONDITIONS, held_out), "F": _half(FINDINGS, held_out),
            "P": _half(PROCEDURES, held_out), "S": _half(SITES, held_out)}
    text = re.sub(r"\{([DCFPNS])\}", lambda m: str(rng.choice([5, 10, 20, 40, 500])) if m.group(1) == "N"
                  else rng.choice(pick[m.group(1)]), rng.choice(FILLERS))
    return text[0].upper() + text[1:]


@dataclass
class Note:
    text: str
    spans: list[tuple[int, int, str]]  # (start, end, label)


class FakeValues:
    """Fake identifiers in the varied surface forms real notes use."""

    def __init__(self, seed: int) -> None:
        from faker import Faker

        self.rng = random.Random(seed)
        self.fake = Faker("en_US")
        self.fake.seed_instance(seed)

    def value(self, slot: str) -> tuple[str, str]:
        f, r = self.fake, self.rng
        name_forms = [f"{f.first_name()} {f.last_name()}{r.choice(['', '', ' Jr.', ' III'])}",
                      f"{f.first_name()} {f.last_name()}", f"{f.last_name()}, {f.first_name()}",
                      f"{f.first_name()} {f.random_uppercase_letter()}. {f.last_name()}", f.last_name().upper()]
        values = {
            "PATIENT": ("NAME", r.choice(name_forms)),
            "PATIENT_LAST": ("NAME", f.last_name()),
            "RELATIVE": ("NAME", f.first_name() + (" " + f.last_name() if r.random() < 0.5 else "")),
            "DOCTOR": ("NAME", r.choice([f.last_name(), f"{f.first_name()} {f.last_name()}"])),
            "DOCTOR_LAST": ("NAME", f.last_name()),
            "TITLE": ("", r.choice(["Mr.", "Ms.", "Mrs.", "Dr.", "Mr", "Dr"])),
            "DATE": ("DATE", self._date()),
            "AGE_ANY": ("AGE", str(r.randint(90, 104))) if r.random() < 0.3 else ("", str(r.randint(18, 89))),
            "AGE_OLD": ("AGE", str(r.randint(90, 105))),
            "MRN": ("ID", r.choice([str(r.randint(10**6, 10**9)),
                                    f"{r.choice(['MR', 'A', 'H'])}{r.randint(10**5, 10**8)}",
                                    f"{r.randint(100, 999)}-{r.randint(100, 999)}-{r.randint(1000, 9999)}"])),
            "SSN": ("ID", f.ssn()),
            "PHONE": ("CONTACT", r.choice([f.phone_number(), f"({r.randint(200, 989)}) {r.randint(200, 999)}-"
                                                             f"{r.randint(1000, 9999)}"])),
            "EMAIL": ("CONTACT", f.email()),
            "URL": ("CONTACT", f.url() + r.choice(["", "portal", "records/view"])),
            "IP": ("CONTACT", r.choice([f.ipv4(), f.ipv4_private()])),
            "ADDRESS": ("LOCATION", f.street_address()),
            "CITY": ("LOCATION", f.city()),
            "STATE": ("LOCATION", f.state_abbr()),
            "ZIP": ("LOCATION", f.zipcode()),
            "HOSPITAL": ("LOCATION", r.choice([f"{f.city()} General Hospital", f"St. {f.first_name()}'s Medical Center",
                                               f"{f.last_name()} Memorial Hospital", f"{f.city()} Clinic"])),
            "ORG": ("ORGANIZATION", r.choice([f.company(), f"{f.last_name()} Pharmacy", f"{f.company()} Health Plan"])),
        }
        return values[slot]

    def _date(self) -> str:
        d = self.fake.date_between(start_date="-90y", end_date="+1y")
        return self.rng.choice([d.strftime("%m/%d/%Y"), d.strftime("%Y-%m-%d"), d.strftime("%B %d, %Y"),
                                d.strftime("%d %b %Y"), f"{d.month}/{d.day}/{d.strftime('%y')}", d.strftime("%b %d")])


def make_note(template: str, values: FakeValues) -> Note:
    text, spans, pos = "", [], 0
    for m in re.finditer(r"\{([A-Z_]+)\}", template):
        text += template[pos:m.start()]
        label, value = values.value(m.group(1))
        if label:
            spans.append((len(text), len(text) + len(value), label))
        text += value
        pos = m.end()
    return Note(text + template[pos:], spans)


def make_notes(n: int, held_out: bool = False, seed: int = 0) -> list[Note]:
    """``n`` notes; each mixes 1-3 sentences from the training (or held-out) templates with 1-3 clinical sentences
    that hold no identifier."""
    templates = HELD_OUT_TEMPLATES if held_out else TRAIN_TEMPLATES
    values, rng = FakeValues(seed), random.Random(seed + 1)
    notes = []
    for _ in range(n):
        parts = [make_note(rng.choice(templates), values) for _ in range(rng.randint(1, 3))]
        parts += [Note(clinical_sentence(rng, held_out), []) for _ in range(rng.randint(1, 3))]
        rng.shuffle(parts)
        text, spans = "", []
        for p in parts:
            sep = "" if not text else rng.choice([" ", "\n", "\n\n"])
            spans += [(s + len(text) + len(sep), e + len(text) + len(sep), lab) for s, e, lab in p.spans]
            text += sep + p.text
        notes.append(Note(text, spans))
    return notes


def to_conll(notes: list[Note]) -> str:
    """Whitespace-and-punctuation tokens with BIO tags, a blank line between notes."""
    lines = []
    for note in notes:
        for m in re.finditer(r"\w+|[^\w\s]", note.text):
            label = next((lab for s, e, lab in note.spans if s <= m.start() < e), None)
            begins = label is not None and any(s == m.start() for s, e, _ in note.spans)
            lines.append(f"{m.group()}\t{'O' if label is None else ('B-' if begins else 'I-') + label}")
        lines.append("")
    return "\n".join(lines) + "\n"
