"""A copy of the caption to match against, and where each of its characters came from.

NFKC per character cluster (casefolded too for the lexicon and the disclosure), so that
fullwidth or decomposed text is caught while a match still maps back to the caption's own
text for `Problem.excerpt`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_CLUSTER = re.compile("[\\s\\S][\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff]*")
Spans = list[tuple[int, int]] | None  # per normalised character: its cluster; None: aligned


@functools.lru_cache(maxsize=4096)
def _fold(cluster: str) -> str:
    """NFKC and casefold; Turkish dotted and dotless i become plain i ("İNTERNAL")."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())
    return folded.replace("i\u0307", "i").replace("ı", "i")


def normalise(text: str, fold: bool) -> tuple[str, Spans]:
    """The text to match against and its spans; None when offsets already line up, which
    is the case for most captions and skips building the map."""
    if unicodedata.is_normalized("NFKC", text):
        if not fold:
            return text, None
        folded = text.casefold()
        if len(folded) == len(text):
            return folded.replace("ı", "i"), None
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    for cluster in _CLUSTER.finditer(text):
        piece = _fold(cluster[0]) if fold else unicodedata.normalize("NFKC", cluster[0])
        pieces.append(piece)
        spans += [cluster.span()] * len(piece)
    return "".join(pieces), spans


def original(start: int, end: int, spans: Spans) -> tuple[int, int]:
    """Where a match in the normalised text lies in the text it was made from."""
    return (start, end) if spans is None else (spans[start][0], spans[end - 1][1])


@functools.lru_cache(maxsize=4096)
def key(phrase: str) -> str:
    """How a term, the disclosure or a match is compared: folded, whitespace runs as one."""
    return " ".join(normalise(phrase, fold=True)[0].split())


def is_word(char: str) -> bool:
    """Exactly what \\w matches, for scanning by hand where a regex would cost more."""
    return char.isalnum() or char == "_"


@functools.lru_cache(maxsize=64)
def _phrase_pattern(phrase_key: str) -> re.Pattern[str]:
    return re.compile(r"\s+".join(map(re.escape, phrase_key.split(" "))) + r"(?!\w)")


def contains_phrase(folded: str, phrase_key: str) -> bool:
    """Whole-word search that starts with the phrase itself, so the regex engine skips fast."""
    matches = _phrase_pattern(phrase_key).finditer(folded)
    return any(not m.start() or not is_word(folded[m.start() - 1]) for m in matches)
