"""Rule recognisers for structured identifiers (HIPAA Safe Harbor), each validated beyond its pattern.

Labels: DATE, AGE (over 89), ID (MRN, SSN, account, licence, card numbers), CONTACT (phone, fax, email, URL, IP),
LOCATION (ZIP codes next to a state, street addresses). Names, places and organisations are left to the model.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import asdict, dataclass

from biofm.phi.words import person_names, vocabulary

# Month names: capitalised or upper case ("may", "mar" and "march" in lower case are words first).
MONTHS = ("(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|"
          "Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?|JAN(?:UARY)?|FEB(?:RUARY)?|MAR(?:CH)?|APR(?:IL)?|MAY|JUNE?|"
          "JULY?|AUG(?:UST)?|SEP(?:T(?:EMBER)?)?|OCT(?:OBER)?|NOV(?:EMBER)?|DEC(?:EMBER)?|"
          "january|february|april|june|july|august|september|october|november|december)")
STATES = ("AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|"
          "OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC")
UNITS = ("ones|tens|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|one|two|three|four|five|six|seven|"
         "eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|and")
NUMBER_WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                           "thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split())}
NUMBER_WORDS.update({w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety"
                                                           .split())})
AGE_AFTER = re.compile(r"(?i)^[\s-]*(?:years?|yrs?)(?:[\s-]*old|[\s-]*of[\s-]*age)|^[\s-]*(?:yo|y/o|y\.o\.|yr-old|"
                       r"year-old|yoM|yoF)\b|^[\s-]*(?:years?|yrs?)\b(?=,? (?:man|woman|male|female|patient|pt|lady|"
                       r"gentleman|boy|girl|resident|veteran)\b)")
AGE_BEFORE = re.compile(r"(?i)\b(?:aged?|age:|age of|is a|is an|nonagenarian|centenarian)\s*[:=]?\s*$")


def words_to_number(text: str) -> int | None:
    """``ninety-two`` -> 92, ``one hundred and one`` -> 101, ``93`` -> 93; None for anything else."""
    t = text.strip().lower()
    if t.isdigit():
        return int(t)
    total, seen = 0, False
    for w in re.split(r"[\s-]+", t):
        if w == "and":
            continue
        if w == "hundred":
            total = max(total, 1) * 100
        elif w in NUMBER_WORDS:
            total += NUMBER_WORDS[w]
        else:
            return None
        seen = True
    return total if seen else None


def age_context(text: str, before: str, after: str) -> bool:
    """An age identifier: a number over 89 (digits or words) next to an age word (years old, yo, aged, age:)."""
    n = words_to_number(re.sub(r"(?i)[\s-]*(?:years?|yrs?|yo|y/o)?[\s-]*(?:old)?$", "", text.strip())) \
        if not text.strip().isdigit() else int(text)
    if n is None or not 89 < n < 130 or re.match(r"(?i)[\s-]*(?:days?|weeks?|months?|h|hours?|min)\b", after):
        return False
    tail = re.sub(r"(?i)^.*?(?=[\s-]*(?:years?|yrs?|yo|y/o)\b)", "", text) if re.search(r"(?i)years?|yo\b", text) \
        else ""
    return bool(AGE_AFTER.match(tail + after) or AGE_BEFORE.search(before))


@dataclass
class Span:
    start: int
    end: int
    label: str
    text: str
    score: float = 1.0
    source: str = "rules"
    reason: str = ""  # the rule's name

    def as_dict(self) -> dict:
        return asdict(self)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _valid_ssn(m: re.Match) -> bool:
    area, group, serial = m.group(1), m.group(2), m.group(3)
    return area not in ("000", "666") and not area.startswith("9") and group != "00" and serial != "0000"


def _valid_numeric_date(m: re.Match) -> bool:
    """A real calendar date, one separator kind, and a two-digit year only with slashes (not "1.9.12", "5-10-15")."""
    if m.group(0).count(m.group(0)[len(m.group(1))]) != 2 or len(m.group(3)) == 2 and "/" not in m.group(0):
        return False
    a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    y = y + (2000 if y < 50 else 1900) if y < 100 else y
    for month, day in ((a, b), (b, a)):  # US or day-first
        try:
            dt.date(y, month, day)
            return 1900 <= y <= 2100
        except ValueError:
            continue
    return False


def _valid_iso_date(m: re.Match) -> bool:
    try:
        dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return True
    except ValueError:
        return False


def _valid_ip(m: re.Match) -> bool:
    if re.search(r"(?i)\bE\.?\s?C\.?\s*$", m.string[max(0, m.start() - 8):m.start()]):
        return False  # an enzyme number (EC 1.13.11.15)
    try:
        ipaddress.ip_address(m.group(0))
        return True
    except ValueError:
        return False


def _valid_card(m: re.Match) -> bool:
    digits = re.sub(r"\D", "", m.group(0))
    return 13 <= len(digits) <= 19 and _luhn(digits)


def _always(_m: re.Match) -> bool:
    return True


def _not_street(m: re.Match) -> bool:
    """A title, not the "Dr" of a street address ("12 Oak Dr. Lives alone")."""
    return not re.search(r"\d{1,5}\s+(?:[A-Z][a-z]+\s){1,3}$", m.string[max(0, m.start() - 60):m.start()])


def _valid_compact_date(m: re.Match) -> bool:
    """21Sep2023, 29Mar22: a valid day in the month."""
    year = int(m.group(3))
    year = year + (2000 if year < 50 else 1900) if year < 100 else year
    for fmt in ("%d%b%Y", "%d%B%Y"):
        try:
            dt.datetime.strptime(f"{int(m.group(1))}{m.group(2)[:3].title() if fmt == '%d%b%Y' else m.group(2).title()}"
                                 f"{year}", fmt)
            return True
        except ValueError:
            continue
    return False


def _day_ok(m: re.Match) -> bool:
    """A day number of 1-31 next to a month name, not a list number or a measurement ("May 2. 5 mg")."""
    day = re.search(r"\d{1,2}", m.group(0)[len(re.match(r"\D*", m.group(0)).group(0)):] if m.group(0)[0].isalpha()
                    else m.group(0))
    after = m.string[m.end():m.end() + 8]
    return day is not None and 1 <= int(day.group(0)) <= 31 and not re.match(r"\s*(?:mg|ml|mcg|g|kg|%|x)\b", after)


def _age_ok(m: re.Match):
    number = re.sub(r"(?i)^(?:and[\s-]+)+", "", m.group(1)).rstrip(" -")
    start = m.start(1) + m.group(1).index(number)
    end = start + len(number)
    if not age_context(number, m.string[max(0, start - 30):start], m.string[end:end + 30]):
        return False
    return start, end


def _name_cue(m: re.Match):
    """The name after a cue ("my name is", "name:"): capitalised words, or known names in lower case; stops at a
    common word ("and", "I")."""
    start, words = m.start(1), []
    for w in re.finditer(r"\b[^\W\d_]+(?:['’-][^\W\d_]+)*\b", m.string[start:start + 60]):
        if words and m.string[start + words[-1].end():start + w.start()].strip() not in ("", ",", "."):
            break
        low = w.group(0).lower()
        if low in {"and", "i", "is", "the", "a", "an", "my", "who", "he", "she", "was", "but", "not", "of"}:
            break
        if not (w.group(0)[0].isupper() or low in person_names() or low not in vocabulary()):
            break
        words.append(w)
        if len(words) == 3:
            break
    if not words:
        return False
    return start + words[0].start(), start + words[-1].end()


def _org_ok(m: re.Match) -> bool:
    """An organisation name, not "The Hospital" or a sentence-start word before "Clinic"."""
    first = m.group(0).split()[0]
    return first.lower() not in {"the", "a", "an", "this", "our", "their", "university", "general", "community",
                                 "teaching", "private", "public", "district", "regional", "local", "county", "state",
                                 "veterans", "children's", "in", "at", "from", "to", "of", "and"} or \
        len(m.group(0).split()) > 2 and first.lower() == "the"


def date_shape(text: str) -> bool:
    """Whether the whole of ``text`` is a date (a rule's date shape, validated)."""
    return any(label == "DATE" and m.group(group) == text and valid(m)
               for _name, label, pattern, valid, group in RULES for m in [pattern.fullmatch(text)] if m)


# (name, label, pattern, validator, group holding the identifier). A validator returns True/False, or the (start, end)
# of the identifier inside the match.
RULES: list[tuple[str, str, re.Pattern, object, int]] = [
    ("ssn", "ID", re.compile(r"\b(\d{3})-(\d{2})-(\d{4})\b"), _valid_ssn, 0),
    ("card number (Luhn)", "ID", re.compile(r"\b(?:\d{4}[ -]){3}\d{1,7}\b|\b\d{13,19}\b"), _valid_card, 0),
    ("labelled id", "ID", re.compile(
        r"(?i)\b(?:MRN|medical record(?: number| no\.?)?|record (?:number|no\.?)|acct|"
        r"account(?: number| no\.?)?|member id|policy(?: number| no\.?)?|plan id|"
        r"licen[cs]e(?: number| no\.?)?|DL|NPI|DEA|accession(?: number| no\.?)?|"
        r"device (?:serial|id)|serial(?: number| no\.?)?|patient id|ID)\s*(?:#|no\.?|number)?\s*[:=]?\s*"
        r"([A-Z]{0,4}[-]?\d[\dA-Z-]{3,15})\b"), _always, 1),
    ("long number", "ID", re.compile(r"(?<![.,\d])\b\d{7,12}\b(?![.,]\d)"), _always, 0),
    ("email", "CONTACT", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), _always, 0),
    ("url", "CONTACT", re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:)]"), _always, 0),
    ("ip address", "CONTACT", re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b"), _valid_ip, 0),
    ("phone (US)", "CONTACT", re.compile(r"(?<![\w-])(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"
                                         r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?![\w-])"), _always, 0),
    ("phone (international)", "CONTACT",
     re.compile(r"(?<![\w-])\+\d{1,3}[ .-]?(?:\(?\d{1,4}\)?[ .-]?){2,4}\d{2,4}(?![\w-])"), _always, 0),
    ("iso date-time", "DATE", re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                                         r"(?:Z|[+-]\d{2}:?\d{2})?)?(?![\w-])"), _valid_iso_date, 0),
    ("numeric date", "DATE", re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})\b(?![.-]\d)"),
     _valid_numeric_date, 0),
    ("compact date", "DATE", re.compile(rf"(?i)\b(\d{{1,2}})({MONTHS[3:-1]})(\d{{4}}|\d{{2}})\b"), _valid_compact_date, 0),
    ("month-day date", "DATE", re.compile(rf"\b{MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b(?!\.\d)"),
     _day_ok, 0),
    ("day-month date", "DATE", re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\.?(?:,?\s+\d{{4}})?\b"),
     _day_ok, 0),
    ("month-year date", "DATE", re.compile(rf"\b{MONTHS}\.?,?\s+(?:19|20)\d\d\b"), _always, 0),
    ("age over 89", "AGE", re.compile(rf"(?i)\b(\d{{2,3}}|(?:(?:{UNITS})[\s-]*){{1,5}})(?=[\s-]*(?:years?|yrs?|yo\b|y/o|"
                                      r"y\.o\.|year-old))"), _age_ok, 1),
    ("age over 89", "AGE", re.compile(r"(?i)(?<=\bage[d:]\s)(9\d|1[01]\d)\b(?!\s*(?:days?|weeks?|months?|h|hours?)\b)|"
                                      r"(?<=\bage\s)(9\d|1[01]\d)\b(?!\s*(?:days?|weeks?|months?|h|hours?)\b)"),
     _always, 0),
    ("zip code", "LOCATION", re.compile(rf"\b(?:{STATES})\s+(\d{{5}}(?:-\d{{4}})?)\b"), _always, 1),
    ("zip code", "LOCATION", re.compile(r"(?i)\bzip(?: code)?:?\s*(\d{5}(?:-\d{4})?)\b"), _always, 1),
    ("military address", "LOCATION", re.compile(r"\b(?:PSC|CMR|Unit)\s+\d{3,5},?\s+Box\s+\d{1,5},?\s+(?:APO|FPO|DPO)"
                                                r"(?:\s+(?:AA|AE|AP))?(?:\s+\d{5})?\b|\b(?:USS|USNS)\s+[A-Z][\w ]{2,30}"
                                                r",?\s+(?:FPO|APO)\s+(?:AA|AE|AP)(?:\s+\d{5})?\b"), _always, 0),
    ("UK postcode", "LOCATION", re.compile(r"(?<=[A-Za-z], )[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b|"
                                           r"(?<=[a-z] )[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}\b(?=$|[\s,.])"), _always, 0),
    ("street address (European)", "LOCATION", re.compile(
        r"\b(?:[A-ZÀ-Þ][\wÀ-ÿ'.-]+\s){1,3}(?:tér|utca|út|körút|köz|sor|Straße|Strasse|Str\.|Weg|Gasse|Platz|Allee|"
        r"Ring|straat|laan|gracht|plein|vej|gade|gatan|vägen|katu|ulica|ul\.)\s\d{1,4}[a-z]?\b\.?|"
        r"\b[A-ZÄÖÜ][a-zäöüß]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ring|damm|ufer)\s\d{1,4}[a-z]?\b|"
        r"\b\d{1,4},?\s(?:rue|avenue|boulevard|place|chemin|allée|impasse|via|viale|piazza|calle|avenida|rua|plaza)"
        r"\s(?:(?:de|du|des|la|le|del|della|di|da|dos|das)\s)*[A-ZÀ-Þ][\wÀ-ÿ'-]+(?:\s[A-ZÀ-Þ][\wÀ-ÿ'-]+)?|"
        r"\b(?:Calle|Avenida|Via|Viale|Piazza|Rua|Plaza)\s(?:(?:de|del|della|di|da|dos|das)\s)*[A-ZÀ-Þ][\wÀ-ÿ'-]+"
        r"(?:\s[A-ZÀ-Þ][\wÀ-ÿ'-]+)?,?\s\d{1,4}\b"), _always, 0),
    ("postcode and town", "LOCATION", re.compile(r"(?<=, )(?:[A-Z]{1,2}-)?\d{4,5}\s[A-ZÀ-Þ][a-zà-ÿß]+(?:\s[A-Z][a-z]+)?"
                                                 r"(?=$|[\s,.;])"), _always, 0),
    ("titled name", "NAME", re.compile(r"\b(?:Dr|Mr|Mrs|Ms|Miss|Prof|Mx)\.?[ \t]+([A-Z][A-Za-z'-]+(?:[ \t]+[A-Z]\.)?"
                                       r"(?:[ \t]+[A-Z][A-Za-z'-]+)?)"), _not_street, 1),
    ("name after a cue", "NAME", re.compile(r"(?i)\b(?:my name is|his name is|her name is|their name is|name is|"
                                            r"(?:patient |pt |full |first |last |sur|family |given )?name\s*:|"
                                            r"call me|goes by)[ \t]+([^\W\d_])"), _name_cue, 1),
    ("street address", "LOCATION", re.compile(
        r"\b\d{1,5}[A-Z]?\s+(?:[A-Z][a-z]+\s){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|"
        r"Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Circle|Parkway|Pkwy|Close|Crescent|Gardens|Grove|Row|Square|Hill)"
        r"\b\.?"), _always, 0),
    ("organisation name", "ORGANIZATION", re.compile(
        r"\b(?:St\.?\s|Saint\s)?(?:[A-Z][\w'&.-]*\s){1,4}(?:Hospital|Clinic|Medical Center|Medical Centre|Health System|"
        r"Health Centre|Health Center|Infirmary|Hospice|Healthcare|Pharmacy|Nursing Home|Care Home)\b"),
     _org_ok, 0),
]


def find_rule_spans(text: str) -> list[Span]:
    """Every validated rule match, longest first where they overlap; ``reason`` names the rule."""
    found: list[Span] = []
    for name, label, pattern, valid, group in RULES:
        for m in pattern.finditer(text):
            g = group if m.group(group) is not None else next(
                (k for k in range(1, (pattern.groups or 0) + 1) if m.group(k) is not None), 0)
            ok = valid(m)
            if not ok:
                continue
            start, end = ok if isinstance(ok, tuple) else (m.start(g), m.end(g))
            found.append(Span(start, end, label, text[start:end], reason=f"rule: {name}"))
    return merge_spans(found)


def merge_spans(spans: list) -> list:
    """Non-overlapping spans: where two overlap, the longer one stays (the earlier one on a tie)."""
    kept: list = []
    for s in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if all(s.end <= k.start or s.start >= k.end for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)
