"""Writes the bad-input corpus next to this file (run it to regenerate; the files are committed, each under 2 KB).

Every file is made up here: no dataset text."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _zip_with_bad_crc() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("n1.txt", "Chest pain at rest.")
        zf.writestr("n2.txt", "Fever and cough for three days.")
        zf.writestr("n3.txt", "No acute distress.")
    data = bytearray(buf.getvalue())
    at = data.find(b"Fever and cough")
    data[at] = ord("X")  # the stored bytes no longer match their CRC
    return bytes(data)


FILES: dict[str, bytes] = {
    "empty.csv": b"",
    "header_only.csv": b"id,text\n",
    "wrong_column.csv": b"patient,diagnosis\np1,flu\n",
    "utf16_bom.csv": "id,text\nu1,Fever and cough\nu2,Chest pain\n".encode("utf-16"),
    "utf16_no_bom.csv": "id,text\nu1,Fever and cough\nu2,Chest pain\n".encode("utf-16-le"),
    "binary.csv": bytes(random.Random(0).randrange(128, 256) for _ in range(1500)),
    "latin1_row.csv": b"id,text\nl1,Fever and cough\nl2,caf\xe9 and chest pain\nl3,Renal failure\n",
    "latin1_header.csv": b"id,t\xe9xt\nl1,Fever\n",
    "unterminated_quote.csv": b'id,text\nq1,Fever and cough\nq2,"Chest pain\nq3,Renal failure\nq4,Stroke\n',
    "ragged.csv": b"id,text\nr1,Fever\nr2,too,many,fields\nr3,Stroke\n",
    "nul_row.csv": b"id,text\nz1,Fever\nz2,\x00\x00\x00\nz3,Stroke\n",
    "bad_lines.jsonl": b'{"id": "j1", "text": "Fever"}\n{"id": "j2", "text": \n[1, 2]\n{"id": "j4", "text": 5}\n'
                       b'{"id": "j5", "text": "Stroke"}\n',
    "crlf_reports.txt": b"Heart size normal.\r\nNo effusion.\r\n\r\nMild cardiomegaly.\r\n\r\nLungs clear.\r\n",
    "fake.zip": b"this is not a zip archive",
    "bad_crc.zip": _zip_with_bad_crc(),
    "dative.smi": b"[NH3]->[Pt](<-[NH3])(Cl)Cl cisplatin\nCCO ethanol\nC%(123)CC%(123) cyclopropane\n",
    "bad_smiles.smi": b"CCO ethanol\nC1CC open_ring\nnot_a_smiles junk\nC(C)(C)(C)(C)C pentavalent\nc1ccccc1 benzene\n",
    "latin1_name.smi": b"CCO ethanol\nCCN \xe9thylamine\nCCC propane\n",
    "duplicate_columns.csv": b"id,text,text\nd1,Fever,Chest pain\nd2,Cough,Stroke\n",
    "first_lacks_text.jsonl": b'{"id": "k1", "body_text": "Fever"}\n{"id": "k2", "text": "Cough"}\n'
                              b'{"id": "k3", "text": "Stroke"}\n',
    "broken.sdf": b"water\n  RDKit\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 O   0  0\n"
                  b"M  END\n$$$$\nbroken\n\n\n garbage line\nM  END\n$$$$\n",
}


def main() -> None:
    for name, data in FILES.items():
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
