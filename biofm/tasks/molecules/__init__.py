"""The ``molecules`` task, in one folder: molecular properties from SMILES, with conformal intervals.

- :mod:`.kind`     predictions, adapter (the SMILES encoder and its baselines), ``predict_fn`` for substructure
                   explanations, the TaskKind
- :mod:`.parts`    training options, rejected rows and the review codec
- :mod:`.testing`  inputs for the table-driven test of every task

Featurisation, training, conformal calibration and atom attributions stay in :mod:`biofm.chem` (task-free).
"""

from biofm.tasks.base import register
from biofm.tasks.molecules.kind import (AD_THRESHOLD, MoleculePredictions, MoleculePredictor, MoleculesKind,
                                        model_predict_fn)

KIND = register(MoleculesKind())

__all__ = ["AD_THRESHOLD", "KIND", "MoleculePredictions", "MoleculePredictor", "MoleculesKind", "model_predict_fn"]
