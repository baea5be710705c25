"""De-identify text given identifier spans: ``redact`` ([NAME]), ``mask`` (same length of *), or ``surrogate``.

Surrogates are realistic fakes, consistent across a batch (one :class:`Surrogates` per batch: the same name always maps
to the same fake; :class:`SurrogateVault` keeps that mapping across batches and runs, encrypted), and dates move
1-365 days earlier by one random offset per patient (keyed by the document's first NAME, else its
id), so intervals between a patient's dates survive.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import re

ACTIONS = ("redact", "mask", "surrogate")
DATE_FORMATS = ("%m/%d/%Y", "%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %b %Y", "%d %B %Y", "%m/%d/%y", "%m-%d-%Y",
                "%B %d %Y", "%b %d %Y", "%B %Y", "%b %Y")


class Surrogates:
    """Consistent fakes for one batch. ``seed`` fixes them (e.g. per project); the mapping never leaves memory."""

    def __init__(self, seed: int | None = None) -> None:
        from faker import Faker

        self.seed = random.SystemRandom().randrange(2**31) if seed is None else seed
        self.fake = Faker("en_US")
        self.fake.seed_instance(self.seed)
        self.known: dict[tuple[str, str], str] = {}
        self.shifts: dict[str, int] = {}

    def replace(self, label: str, text: str, patient: str) -> str:
        key = (label, text.strip().lower())
        if label == "DATE":
            return self._date(text, patient)
        if key not in self.known:
            self.known[key] = self._fake(label, text)
        return self.known[key]

    def _fake(self, label: str, text: str) -> str:
        f = self.fake
        if label == "NAME":
            return f.last_name() if " " not in text.strip() and "," not in text else f"{f.first_name()} {f.last_name()}"
        if label == "AGE":
            return "90+"
        if label == "ID":
            letters = re.sub(r"[A-Za-z]", lambda _: f.random_uppercase_letter(), text)
            return re.sub(r"\d", lambda _: str(f.random_digit()), letters)
        if label == "CONTACT":
            if "@" in text:
                return f.email()
            if re.search(r"(?i)https?://|www\.", text):
                return f.url()
            return re.sub(r"\d", lambda _: str(f.random_digit()), text)
        if label == "LOCATION":
            return f.zipcode() if re.fullmatch(r"\d{5}(-\d{4})?", text.strip()) else f.city()
        return f.company()

    def _date(self, text: str, patient: str) -> str:
        shift = self.shifts.setdefault(patient, self._offset(patient))
        for fmt in DATE_FORMATS:
            try:
                day = dt.datetime.strptime(text.strip(), fmt).date()
            except ValueError:
                continue
            return (day + dt.timedelta(days=shift)).strftime(fmt)
        return "[DATE]"  # a form the shift cannot parse is redacted rather than kept

    def _offset(self, patient: str) -> int:
        digest = hashlib.sha256(f"{self.seed}:{patient}".encode()).digest()
        return -(int.from_bytes(digest[:4], "big") % 365 + 1)  # 1-365 days earlier


class SurrogateVault(Surrogates):
    """Surrogates that last across batches and runs: the same original maps to the same surrogate, and a patient keeps
    one date shift, stored in ``<data dir>/phi_vault.enc`` encrypted with Fernet (``cryptography``: AES-128-CBC +
    HMAC-SHA256). The key comes from ``BIOFM_PHI_KEY`` or the key file ``<data dir>/phi_vault.key`` (created 0600 on
    first use); without the key the vault cannot be read, so re-identification (:meth:`reidentify`) needs it.

    Raises ``ValueError`` when the vault exists but the key does not open it.
    """

    FILE, KEY_FILE = "phi_vault.enc", "phi_vault.key"

    def __init__(self, data_dir, key: bytes | str | None = None) -> None:
        import json
        import os
        from pathlib import Path

        from cryptography.fernet import Fernet, InvalidToken

        self.dir = Path(data_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        key = key or os.environ.get("BIOFM_PHI_KEY") or self._key_file()
        self.fernet = Fernet(key.encode() if isinstance(key, str) else key)
        state = {}
        path = self.dir / self.FILE
        if path.exists():
            try:
                state = json.loads(self.fernet.decrypt(path.read_bytes()))
            except InvalidToken as err:
                raise ValueError(f"{path}: the PHI key does not open this vault (BIOFM_PHI_KEY or "
                                 f"{self.dir / self.KEY_FILE})") from err
        super().__init__(seed=state.get("seed"))
        self.known = {tuple(k.split("\x1f", 1)): v for k, v in state.get("known", {}).items()}
        self.shifts = dict(state.get("shifts", {}))
        self.fake.seed_instance(self.seed + len(self.known))  # new fakes do not repeat earlier ones

    def _key_file(self) -> bytes:
        import os

        from cryptography.fernet import Fernet

        path = self.dir / self.KEY_FILE
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
        return path.read_bytes().strip()

    def save(self) -> None:
        """Write the mapping, encrypted, to the vault file (0600)."""
        import json
        import os

        state = {"seed": self.seed, "shifts": self.shifts,
                 "known": {f"{lab}\x1f{orig}": fake for (lab, orig), fake in self.known.items()}}
        path = self.dir / self.FILE
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(self.fernet.encrypt(json.dumps(state).encode()))
        os.replace(tmp, path)

    def reidentify(self, surrogate: str, label: str | None = None) -> list[str]:
        """The originals (lower-cased, as keyed) that map to ``surrogate`` (dates are shifted, not stored)."""
        return [orig for (lab, orig), fake in self.known.items()
                if fake == surrogate and (label is None or lab == label)]

    def shift_days(self, patient: str) -> int:
        """The patient's date shift in days (negative: earlier)."""
        return self.shifts.setdefault(patient, self._offset(patient))


def patient_key(text: str, spans, doc_id: str) -> str:
    names = [text[s.start:s.end] for s in spans if s.label == "NAME"]
    return names[0].strip().lower() if names else f"doc:{doc_id}"


def deidentify(text: str, spans, action: str = "redact", surrogates: Surrogates | None = None,
               doc_id: str = "") -> str:
    """``text`` with every span replaced by the action (spans: objects with start, end, label)."""
    if action not in ACTIONS:
        raise ValueError(f"action must be one of {', '.join(ACTIONS)}")
    if action == "surrogate" and surrogates is None:
        surrogates = Surrogates()
    patient = patient_key(text, spans, doc_id)
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < pos:
            continue
        out.append(text[pos:s.start])
        original = text[s.start:s.end]
        if action == "redact":
            out.append(f"[{s.label}]")
        elif action == "mask":
            out.append(re.sub(r"\S", "*", original))
        else:
            out.append(surrogates.replace(s.label, original, patient))
        pos = s.end
    return "".join(out) + text[pos:]
