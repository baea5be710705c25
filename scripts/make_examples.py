"""Write the example inputs in ``assets/examples/`` ("Try the example" on every page, and the README walk-through).

Every text here is written by the project (the notes below, biofm's own report and synthetic-note generators, with
Faker's fake identifiers); nothing is copied from a dataset. SMILES are of well-known medicines. Run: ``python scripts/make_examples.py`` (deterministic).
"""

from __future__ import annotations

import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "assets" / "examples"

NOTES = [
    ("note-01", "Admitted with crushing chest pain radiating to the left arm. ECG shows ST elevation in the anterior "
                "leads and troponin is rising; taken for primary angioplasty of the left anterior descending artery.",
     "cardiovascular diseases"),
    ("note-02", "Long-standing hypertension and atrial fibrillation on warfarin. Presents with ankle swelling and "
                "breathlessness on exertion; echocardiogram shows reduced ejection fraction.", "cardiovascular diseases"),
    ("note-03", "Sudden right-sided weakness and slurred speech for two hours. CT head excludes haemorrhage; "
                "treated as acute ischaemic stroke and thrombolysed.", "nervous system diseases"),
    ("note-04", "Recurrent generalised seizures despite valproate. EEG shows bilateral spike-wave discharges; "
                "levetiracetam added and driving advice given.", "nervous system diseases"),
    ("note-05", "Progressive tremor at rest, slowness of movement and rigidity over a year. Findings consistent "
                "with Parkinson disease; levodopa started.", "nervous system diseases"),
    ("note-06", "Colonoscopy for rectal bleeding found an ulcerated mass in the sigmoid colon. Biopsy confirms "
                "adenocarcinoma; staging CT shows two liver metastases.", "neoplasms"),
    ("note-07", "Smoker with haemoptysis and weight loss. Chest CT shows a spiculated mass in the right upper lobe; "
                "bronchoscopic biopsy shows squamous cell carcinoma.", "neoplasms"),
    ("note-08", "Painless lump in the left breast for six weeks. Core biopsy: invasive ductal carcinoma, oestrogen "
                "receptor positive; referred for surgery and tamoxifen.", "neoplasms"),
    ("note-09", "Epigastric pain worse after meals and melaena. Endoscopy shows a bleeding duodenal ulcer, "
                "Helicobacter pylori positive; treated with omeprazole and eradication therapy.",
     "digestive system diseases"),
    ("note-10", "Jaundice, ascites and confusion in a patient with alcohol-related cirrhosis. Started on lactulose "
                "for hepatic encephalopathy; paracentesis performed.", "digestive system diseases"),
    ("note-11", "Bloody diarrhoea for three weeks with abdominal cramps. Colonoscopy shows continuous colitis from "
                "the rectum; ulcerative colitis treated with mesalazine.", "digestive system diseases"),
    ("note-12", "Fever, rigors and hypotension after a urinary tract infection. Lactate raised; sepsis treated with "
                "intravenous ceftriaxone and fluids.", "general pathological conditions"),
    ("note-13", "Fatigue and pallor. Haemoglobin low with small red cells and low ferritin: iron deficiency anaemia; "
                "oral iron started and endoscopy requested.", "general pathological conditions"),
    ("note-14", "Chronic widespread pain, poor sleep and tenderness at multiple sites; inflammatory markers normal. "
                "Managed with graded exercise and amitriptyline.", "general pathological conditions"),
    ("note-15", "Palpitations and syncope during exercise. Holter monitoring shows runs of ventricular tachycardia; "
                "referred for an implantable defibrillator.", "cardiovascular diseases"),
    ("note-16", "Headache, vomiting and papilloedema. MRI brain shows an enhancing mass in the left temporal lobe "
                "with surrounding oedema, likely glioblastoma.", "neoplasms"),
    ("note-17", "Numbness and tingling in both feet rising to the knees in a patient with diabetes; reduced ankle "
                "reflexes. Peripheral neuropathy; gabapentin started.", "nervous system diseases"),
    ("note-18", "Right lower quadrant pain, fever and raised white cells. Ultrasound shows an inflamed appendix; "
                "laparoscopic appendicectomy performed.", "digestive system diseases"),
    ("note-19", "Claudication in the right calf after 100 metres. Ankle-brachial index reduced; peripheral arterial "
                "disease managed with aspirin, atorvastatin and supervised exercise.", "cardiovascular diseases"),
    ("note-20", "Generalised itching and swollen lymph nodes in the neck. Node biopsy shows Hodgkin lymphoma; "
                "chemotherapy planned.", "neoplasms"),
]

MOLECULES = [  # smiles, name: well-known medicines, plus rows that show what happens to bad input
    ("CC(=O)Oc1ccccc1C(=O)O", "aspirin"),
    ("CC(=O)Nc1ccc(O)cc1", "paracetamol"),
    ("CC(C)Cc1ccc(cc1)C(C)C(=O)O", "ibuprofen"),
    ("Cn1cnc2c1c(=O)n(C)c(=O)n2C", "caffeine"),
    ("CN1CCC[C@H]1c1cccnc1", "nicotine"),
    ("CN(C)C(=N)NC(=N)N", "metformin"),
    ("OC(=O)CCCc1c[nH]c2ccccc12", "indole-3-butyric acid"),
    ("CC12CCC3C(CCC4=CC(=O)CCC34C)C1CCC2O", "testosterone"),
    ("Clc1ccc2c(c1)C(=NCC(=O)N2C)c1ccccc1", "diazepam"),
    ("CN1CCN(CC1)C1=Nc2cc(Cl)ccc2Nc2ccccc12", "clozapine"),
    ("CC(C)NCC(O)COc1cccc2ccccc12", "propranolol"),
    ("CCN(CC)CC(=O)Nc1c(C)cccc1C", "lidocaine"),
    ("C[NH+](C)CCC=C1c2ccccc2CCc2ccccc12.[Cl-]", "amitriptyline hydrochloride (a salt: stripped with the option)"),
    ("CC(=O)Oc1ccccc1C(=O)O", "aspirin again (a duplicate)"),
    ("c1ccccc1C(", "unclosed branch (invalid)"),
    ("C1CC", "unclosed ring (invalid)"),
    ("Xx", "not a SMILES (invalid)"),
]


def write_csv(path: Path, header: list[str], rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def fine_tune_rows(seed: int = 7) -> list[tuple[str, str, str]]:
    """A small reviewed batch to fine-tune on: the notes' sentences recombined, each keeping its note's label."""
    import re

    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    for _, text, label in NOTES:
        by_label.setdefault(label, []).extend(s for s in re.split(r"(?<=[.;])\s+", text) if len(s.split()) > 3)
    rows = []
    for label, sentences in sorted(by_label.items()):
        for k in range(12):
            pick = rng.sample(sentences, k=min(2, len(sentences)))
            rows.append((f"{label.split()[0]}-{k + 1:02d}", " ".join(pick), label))
    rng.shuffle(rows)
    return rows


def main() -> None:
    from biofm.reports.generator import generate_reports

    OUT.mkdir(parents=True, exist_ok=True)
    write_csv(OUT / "clinical_notes.csv", ["id", "text", "label"], NOTES)
    reports = generate_reports(15, seed=11, style="heldout")
    write_csv(OUT / "chest_reports.csv", ["id", "report"], [(f"report-{i + 1:02d}", r.text)
                                                           for i, r in enumerate(reports)])
    write_csv(OUT / "molecules.csv", ["smiles", "name"], MOLECULES)
    write_csv(OUT / "reviewed_notes.csv", ["id", "text", "label"], fine_tune_rows())
    from biofm.phi.synth import make_notes

    write_csv(OUT / "phi_notes.csv", ["id", "text"], [(f"synthetic-{i + 1:02d}", n.text)
                                                      for i, n in enumerate(make_notes(8, held_out=True, seed=99))])
    for path in sorted(OUT.iterdir()):
        print(path.relative_to(ROOT), path.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
