"""A copy of the caption to match against, and where each of its characters came from.

NFKC per character cluster (casefolded too for the lexicon and the disclosure), so that
fullwidth or decomposed text is caught while a match still maps back to the caption's own
text for `Problem.excerpt`.
"""

from __future__ import annotations

import functools
import re
import unicodedata

Spans = list[tuple[int, int]] | None  # per normalised character: its cluster; None: aligned


@functools.lru_cache(maxsize=4096)
def _fold(cluster: str) -> str:
    """NFKC and casefold; Turkish dotted and dotless i become plain i ("İNTERNAL")."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())
    return folded.replace("i\u0307", "i").replace("ı", "i")


# A character that NFKC or casefolding may change beyond lowercasing: any non-ASCII one, or
# an ASCII one carrying combining marks. ASCII text between them maps one to one.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
_SPECIAL = re.compile(f"[\\s\\S][{_MARKS}]+|[^\\x00-\\x7f]")


def normalise(text: str, fold: bool) -> tuple[str, Spans]:
    """The text to match against and its spans; None when offsets already line up, which
    is the case for most captions and skips building the map."""
    if text.isascii():  # NFKC already, and casefolding ASCII only lowers it
        return (text.lower() if fold else text), None
    if unicodedata.is_normalized("NFKC", text):
        if not fold:
            return text, None
        folded = text.casefold()
        if len(folded) == len(text):
            return folded.replace("ı", "i"), None
    pieces: list[str] = []
    spans: list[tuple[int, int]] = []
    done = 0
    for cluster in _SPECIAL.finditer(text):
        start, end = cluster.span()
        if done < start:  # ASCII: NFKC leaves it, casefolding only lowers it
            plain = text[done:start]
            pieces.append(plain.lower() if fold else plain)
            spans += _aligned(done, start)
        piece = _fold(cluster[0]) if fold else unicodedata.normalize("NFKC", cluster[0])
        pieces.append(piece)
        spans += [(start, end)] * len(piece)
        done = end
    if done < len(text):
        plain = text[done:]
        pieces.append(plain.lower() if fold else plain)
        spans += _aligned(done, len(text))
    return "".join(pieces), spans


def _aligned(start: int, end: int) -> list[tuple[int, int]]:
    """Spans of text that maps one to one."""
    return list(zip(range(start, end), range(start + 1, end + 1), strict=True))


def normalise_appended(
    text: str, normalised: str, spans: Spans, tail: str, fold: bool
) -> tuple[str, Spans]:
    """normalise(text + tail) from normalise(text): clusters never straddle the join when
    `tail` starts with an ASCII character, so only `tail` is normalised."""
    if not (text and tail and tail[0].isascii()):
        return normalise(text + tail, fold)
    extra, extra_spans = _normalised_tail(tail, fold)
    if spans is None and extra_spans is None:
        return normalised + extra, None
    shift = len(text)
    own = spans if spans is not None else _aligned(0, shift)
    more = extra_spans if extra_spans is not None else _aligned(0, len(tail))
    return normalised + extra, own + [(start + shift, end + shift) for start, end in more]


@functools.lru_cache(maxsize=64)
def _normalised_tail(tail: str, fold: bool) -> tuple[str, Spans]:
    return normalise(tail, fold)


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
