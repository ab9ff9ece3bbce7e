"""Sheet names that are almost, but not exactly, a name msc reads.

A sheet called ``policy `` (trailing space), ``Policy`` or ``dependence_tаrgets`` (a
Cyrillic ``а``) looks right in Excel, yet msc would not read it and the case would be
solved without those constraints. Such a near-miss is therefore an *error* naming the
sheet and the expected name, not a warning: an unknown sheet is harmless, a table that
silently drops out of the model is not.

Folding: Unicode NFKC (full-width letters, ligatures), surrounding and doubled white
space, case, and the Cyrillic and Greek letters that look like Latin ones (the common
confusables of Unicode TR 39 for these scripts).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

#: Cyrillic and Greek letters drawn like Latin ones (lower case; folding lowers first)
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ɡ": "g",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o",
        "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ζ": "z",
        "\u00a0": " ", "\u2010": "-", "\u2011": "-", "\u2013": "-", "\u2212": "-",
    }
)  # fmt: skip
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")


def fold(name: str) -> str:
    """``name`` as it looks: the key under which near-misses collide."""
    text = unicodedata.normalize("NFKC", str(name)).lower().translate(_CONFUSABLES)
    text = _INVISIBLE.sub("", text)
    return re.sub(r"[\s_]+", "_", text.strip())


def near_misses(names: Iterable[str], expected: Iterable[str]) -> list[tuple[str, str]]:
    """(found, expected) for each sheet in ``names`` that is not an expected name but
    looks like one once folded."""
    wanted = list(expected)
    exact = set(wanted)
    folded = {fold(name): name for name in wanted}
    return [
        (name, folded[fold(name)]) for name in names if name not in exact and fold(name) in folded
    ]


def describe(name: str) -> str:
    """A sheet name with what makes it differ shown: quotes, and non-ASCII letters named."""
    odd = [
        f"'{c}' is {unicodedata.name(c, hex(ord(c)))}" for c in dict.fromkeys(name) if ord(c) > 127
    ]
    spaces = " (it has leading or trailing white space)" if name != name.strip() else ""
    return f"sheet '{name}'{spaces}" + (f" ({'; '.join(odd)})" if odd else "")
