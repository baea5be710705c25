"""Build ``biofm/phi/vocab.txt``: lower-cased words frequent in identifier-free biomedical prose, with counts.

The PHI detector uses it to check model spans (a NAME made only of clinical or everyday English words is not a name).
Reads only the TUNING part of the shared corpora (BC5CDR and NCBI-disease ``train.tsv``, even rows of the medical
abstracts), so ``bench/phi.py`` reports false flags on text the list was not built from. The file holds single words
and counts (no sentences), plus a short list of radiology and anatomy words the abstracts rarely use, written here.

Run: .venv/bin/python scripts/make_phi_vocab.py [--min-count 2]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

# Report words (radiology, anatomy, wards) that PubMed abstracts seldom contain; counted as common words.
REPORT_WORDS = """
carina basilar bibasilar mediastinum mediastinal hilar hila hilum perihilar costophrenic hemidiaphragm hemidiaphragms
retrocardiac subsegmental atelectasis atelectatic effusion effusions pneumothorax cardiomegaly tracheostomy
endotracheal enteric nasogastric orogastric picc sternotomy sternal clavicle clavicles scapula humerus ribs rib
vertebral vertebra vertebrae thoracic lumbar cervical sacral coccyx apex apices apical lobe lobes lingula lingular
fissure pleura pleural parenchyma parenchymal interstitial opacity opacities opacification consolidation
consolidative density densities nodule nodules nodular granuloma calcified calcification calcifications aorta aortic
tortuous unfolded knob silhouette contour contours cardiomediastinal osseous degenerative spondylosis osteophytes
kyphosis scoliosis impression findings comparison indication technique portable upright supine frontal lateral
ap pa radiograph radiographs chest abdomen pelvis ultrasound sonogram doppler echogenic hypoechoic hyperechoic
attenuation enhancement enhancing axial coronal sagittal contrast noncontrast gallbladder cholelithiasis hepatic
splenic renal adrenal pancreatic bowel colon cecum rectum sigmoid duodenum jejunum ileum stomach esophagus gastric
ventricle ventricles atrium atria septum pericardial myocardium valve valves mitral tricuspid pulmonic sinus sinuses
mastoid orbit orbits sella pons medulla cerebellum cerebellar cortex cortical subcortical periventricular white
matter infarct infarcts hemorrhage hematoma edema midline shift sulci gyri calvarium foramen magnum odontoid dens
ward unit icu nicu picu er ed floor bay bed clinic outpatient inpatient discharge admission attending resident
fellow nurse intern consult consults consultant registrar
"""


def main(argv=None) -> int:
    import phi as bench  # bench/phi.py: the corpus reader and the tuning/held-out split

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--min-count", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "biofm" / "phi" / "vocab.txt"))
    args = ap.parse_args(argv)
    counts: Counter = Counter()
    for texts in bench.real_corpus("tuning", 10**9).values():
        for t in texts:
            counts.update(w.lower() for w in re.findall(r"[A-Za-z][a-z]*(?:'[a-z]+)?|[A-Z]+", t))
    for w in REPORT_WORDS.split():
        counts[w] = max(counts[w], 100)
    words = sorted((w, c) for w, c in counts.items() if c >= args.min_count and len(w) > 1 and w.isalpha())
    Path(args.out).write_text("# word<TAB>count: see scripts/make_phi_vocab.py\n"
                              + "".join(f"{w}\t{c}\n" for w, c in words), encoding="utf-8")
    print(f"{len(words)} words -> {args.out} ({Path(args.out).stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
