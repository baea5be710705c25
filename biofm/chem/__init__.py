"""Chemistry with RDKit: parse and canonicalise SMILES, tokenise with atom mapping, read files, draw with weights."""

from biofm.chem.smiles import SmilesTokenizer, atom_token_map, parse_smiles, tokenize_smiles

__all__ = ["SmilesTokenizer", "atom_token_map", "parse_smiles", "tokenize_smiles"]
