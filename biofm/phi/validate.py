"""Shape and context checks for the model's identifier spans (Presidio-style validation, applied after the model).

The token classifier was trained on synthetic notes and flags drug names, anatomy, gene symbols, percentages and list
numbers in real prose. Each model span is kept only when it looks like its type:

- NAME: capitalised words with no digits, at least one of them a known given/family name (Faker's en_US lists) that is
  not a very common word, or a word outside the shipped clinical/English vocabulary; not an eponym ("Parkinson's
  disease", "von Hippel-Lindau"); lower-case names are left to the rules' cues ("my name is", "name:").
- DATE: a date shape (month name with day or year, a valid numeric or ISO date, a compact 21Sep2023).
- AGE: a number over 89 next to an age word.
- ID: at least 5 digits in one identifier-shaped token (no decimal point, percentage or gene-mutation shape).
- CONTACT: an e-mail, URL, IP address or at least 7 digits in a phone shape.
- LOCATION / ORGANIZATION: a capitalised word outside the vocabulary, a place or organisation word (Hospital,
  Street, Clinic, Inc), or digits in a ZIP/address shape.

The vocabulary (``vocab.txt``) is built by ``scripts/make_phi_vocab.py`` from the tuning part of public
identifier-free biomedical text.
"""

from __future__ import annotations

import re

from biofm.phi.rules import age_context, date_shape
from biofm.phi.words import countries, person_names, vocabulary

COMMON = 30  # a word seen this often in biomedical prose is a word first, even when it is also a surname (Young)
ORG_WORDS = {"hospital", "clinic", "center", "centre", "medical", "health", "healthcare", "pharmacy", "inc", "llc",
             "ltd", "group", "plan", "insurance", "university", "institute", "infirmary", "practice", "associates",
             "partners", "foundation", "labs", "laboratories", "corporation", "corp", "company", "co", "and", "sons",
             "plc", "gmbh", "memorial", "general", "st", "saint", "regional", "community", "county", "hospice"}
PLACE_WORDS = {"street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "lane", "ln", "drive", "dr",
               "court", "ct", "way", "place", "pl", "terrace", "circle", "parkway", "pkwy", "suite", "apt", "box",
               "port", "lake", "north", "south", "east", "west", "new", "mount", "fort", "city", "county", "ville",
               "town", "burgh", "hospital", "clinic", "center", "centre", "general", "memorial", "medical"}
EPONYM_NEXT = re.compile(r"^(?:['’]s?)?(?:-[A-Z]|[\s-]*(?:disease|syndrome|sign|test|procedure|operation|tumou?r|"
                         r"lymphoma|palsy|phenomenon|reflex|fracture|classification|criteria|scale|score|law|effect|"
                         r"ring|cyst|node|lines?|method|technique|blot|cells?|type|monitor(?:ing)?|edema|oedema|"
                         r"muscular|dystrophy|ataxia|anomaly|malformation|disorder|ulcer|triad|maneuver|manoeuvre|"
                         r"position|incision|catheter|tube|stain|staining|assay|equation|formula|index|grade|"
                         r"stage|staging|et al|survivorship|survival|analysis|scales?|mice|rats?|strains?|curves?|estimates?|plots?|"
                         r"lactate|solution|phenotype|variants?|repeats?|hypothesis|model|scan|view)\b)")
PARTICLES = {"van", "von", "de", "der", "den", "da", "del", "della", "di", "du", "la", "le", "bin", "ibn", "al", "el",
             "st", "jr", "sr", "ii", "iii", "iv"}
BODIES = {"world", "national", "international", "federal", "united", "american", "european", "british", "japanese",
          "chinese", "german", "french", "canadian", "australian", "royal", "society", "association", "college",
          "academy", "agency", "administration", "committee", "organization", "organisation", "federation"}
STATE_CODES = set("AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC "
                  "ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI".split())


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+(?:['’][^\W\d_]+)?", text)


def _capitalised(w: str) -> bool:
    return w[:1].isupper() and (w[1:].islower() or not w[1:] or bool(re.fullmatch(r"(?:Mc|Mac|O['’]|D['’])\w+", w)))


def _known(w: str) -> int:
    return vocabulary().get(w.lower(), 0)


def name_word(w: str) -> bool:
    """A word that can be a person's name: capitalised (or an all-caps known name), and a known name that is not a
    very common word, or a word outside the vocabulary."""
    low = w.lower()
    if w.isupper() and len(w) > 1:
        return low in person_names() and _known(w) < COMMON
    if not _capitalised(w):
        return False
    if low in person_names():
        return _known(w) < COMMON
    return _known(w) == 0


def looks_like_name(text: str, after: str) -> bool:
    text = text.strip(" ,;:.")
    if re.search(r"\d", text):
        return False
    words = [w for w in _words(text) if len(w) > 1 or not w.isupper()]
    if not words or re.match(r"\s*,?\s*et al\b", after) or any(demonym(w) for w in words):
        return False  # a citation ("Smith et al."), a people ("Scandinavian")
    if EPONYM_NEXT.match(after) and (len(words) == 1 or re.fullmatch(r"[^\W\d_]+[-/][^\W\d_]+", text)):
        return False  # "Parkinson's disease", "Kaplan-Meier survival"
    if any(not w[:1].isupper() and w.lower() not in PARTICLES for w in words):
        return False  # a name's words are capitalised ("Stair climbing", "aniridia, Peters" are not names)
    return any(name_word(w) for w in words if len(w) > 1)


def trim_name(text: str) -> tuple[int, int]:
    """Offsets of ``text`` without its leading and trailing lower-case words ("Jessica Baker Jr. and her")."""
    words = [m for m in re.finditer(r"\S+", text)]
    keep = [m for m in words if m.group(0)[:1].isupper() or m.group(0).strip(".,").lower() in PARTICLES]
    if not keep:
        return 0, 0
    first, last = words.index(keep[0]), words.index(keep[-1])
    while first <= last and not (words[first].group(0)[:1].isupper()):
        first += 1
    while last >= first and not (words[last].group(0)[:1].isupper() or words[last].group(0).lower() in
                                 ("jr.", "sr.", "jr", "sr", "ii", "iii", "iv")):
        last -= 1
    if first > last:
        return 0, 0
    return words[first].start(), words[last].end()


def demonym(w: str) -> bool:
    """A people or language word seen in prose (Scandinavian, Hispanic, Jewish), not a person's name."""
    return (w[:1].isupper() and w.lower() not in person_names() and bool(re.search(r"(?:an|ese|ish|ic|id|ite)$", w))
            and _known(w) > 0)


def looks_like_place(text: str, before: str = "", organisation: bool = False) -> bool:
    text = text.strip(" ,;:.")
    first = _words(text)[:1]
    if first and (first[0].lower() in BODIES or demonym(first[0])) or re.match(r"\s*,?\s*et al\b", text[-8:] + " "):
        return False  # national and international bodies, peoples ("North American" is handled by the vocabulary)
    if re.fullmatch(r"\d{5}(?:-\d{4})?", text):
        return not organisation  # a ZIP code
    parts = []
    for part in text.split(","):  # "419 King Extensions Suite 718, Lake Ann SD 12345"
        part = re.sub(r"\s+\d{5}(?:-\d{4})?$", "", part.strip())  # a trailing ZIP
        part = re.sub(r"^\d{1,5}[A-Z]?\s+(?=[A-Z])", "", part)  # a house number
        parts.append(re.sub(r"(?i)\b(?:apt|suite|unit|box|ste|flat)\.?\s*#?\d+[A-Z]?\b", "", part).strip())
    core = ", ".join(p for p in parts if p)
    if re.search(r"\d", core):
        return False
    words = _words(core)
    if not organisation and words and words[-1] in STATE_CODES and (len(words) > 1 or re.search(r"[A-Z][a-z]+,?\s*$",
                                                                                               before)):
        return True  # "Ryanton SD", "Boston, MA"
    keys = ORG_WORDS if organisation else PLACE_WORDS
    caps = [w for w in words if w[:1].isupper() and not (w.isupper() and len(w) > 1 and organisation)]
    if not caps:
        return False
    if " ".join(words).lower() in countries():
        return False  # a country is not an identifier (Safe Harbor keeps states and countries)
    if any(w.lower() in keys for w in words) and any(w.lower() not in keys and _known(w) < COMMON for w in caps):
        return True
    return any(len(w) > 2 and (name_word(w) or _capitalised(w) and _known(w) == 0) for w in caps)


def looks_like_contact(text: str) -> bool:
    text = text.strip(" ,;:.()")
    if "@" in text and re.search(r"\w@\w", text):
        return True
    if re.search(r"(?i)https?://|www\.|\.(?:com|org|net|edu|gov|io|info|biz)\b", text):
        return True
    digits = re.sub(r"\D", "", text)
    return len(digits) >= 7 and bool(re.fullmatch(r"[\d\s().+x-]+|ext\.?|[\d\s().+-]+(?:x|ext\.?)\s?\d+", text.strip()))


def looks_like_id(text: str, before: str = "") -> bool:
    toks = text.split()
    return any(_id_token(t, before + " " + " ".join(toks[:i])) for i, t in enumerate(toks))


ID_CUE = re.compile(r"(?i)(?:\b(?:no|num|number|id|mrn|acct|account|record|accession|chart|ssn|member|policy|"
                    r"serial|licen[cs]e|case|visit|encounter|specimen)\b|#)\W{0,3}$")


def _id_token(text: str, before: str = "") -> bool:
    t = text.strip(" .,;:()[]")
    r = re.fullmatch(r"(\d+)-(\d+)", t)
    if r and int(r.group(2)) > int(r.group(1)) and abs(len(r.group(1)) - len(r.group(2))) <= 1:
        return False  # a range: pages 1472-1477, 733-2831 pmol
    if len(re.sub(r"\D", "", t)) < 7 and not ID_CUE.search(before):
        return False  # short codes (LY274614, Org 10172, MIM 312080) need a record-number cue
    if "%" in t or re.search(r"\d\.\d", t) or " " in t:
        return False
    return len(re.sub(r"\D", "", t)) >= 5 and bool(re.fullmatch(r"[A-Za-z]{0,4}[-#]?\d[\d-]*[A-Za-z]?", t))


def looks_like_date(text: str) -> bool:
    return date_shape(text.strip(" .,;:()"))


def keep_model_span(label: str, text: str, before: str, after: str) -> bool:
    """Whether a model span ``text`` (with ``before``/``after`` context) has the shape of its type."""
    if label == "NAME":
        return looks_like_name(text, after)
    if label == "DATE":
        return looks_like_date(text)
    if label == "AGE":
        return age_context(text, before, after)
    if label == "ID":
        return looks_like_id(text, before)
    if label == "CONTACT":
        return looks_like_contact(text)
    if label == "LOCATION":
        return looks_like_place(text, before)
    if label == "ORGANIZATION":
        return looks_like_place(text, before, organisation=True)
    return True
