"""Word lists the PHI rules and validation share: the shipped clinical/English vocabulary and Faker's name and
country lists (library lists, not patient data). A leaf: it imports nothing from biofm.

The vocabulary (``vocab.txt``) is built by ``scripts/make_phi_vocab.py`` from the tuning part of public
identifier-free biomedical text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def vocabulary() -> dict[str, int]:
    """Lower-cased word -> count in the tuning corpus (``vocab.txt``)."""
    out = {}
    for line in (Path(__file__).with_name("vocab.txt")).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            w, c = line.split("\t")
            out[w] = int(c)
    return out


@lru_cache(maxsize=1)
def person_names() -> frozenset[str]:
    """Given and family names, lower-cased, from Faker's en_US person provider (a library list, not patient data)."""
    from faker.providers.person.en_US import Provider

    return frozenset(n.lower() for n in (*Provider.first_names, *Provider.last_names))


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """Country names, lower-cased (Faker's address provider list), and a few regions."""
    from faker.providers.address.en_US import Provider

    return frozenset([c.lower() for c in Provider.countries] + ["scandinavia", "europe", "africa", "asia", "america",
                                                                "north america", "south america", "latin america"])
