"""A copy of the caption to match against, and where each of its characters came from.

NFKC per character cluster (casefolded too for the lexicon and the disclosure), so that
fullwidth or decomposed text is caught while a match still maps back to the caption's own
text for `Problem.excerpt`.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterator
from operator import itemgetter

# Where the normalised text came from, run by run: (where the run starts in it, the start
# and end of the original text it was made from, whether it maps character by character).
# None: the two line up.
Spans = list[tuple[int, int, int, bool]] | None


# Invisible characters (zero-width spaces and joiners, soft hyphens, bidi controls, tags):
# typed inside a word ("conf\u200bidential") they would hide it from every check, so the
# copy matched against leaves them out.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)


def _visible(text: str) -> str:
    return _INVISIBLE.sub("", text)


@functools.lru_cache(maxsize=4096)
def _fold(cluster: str) -> str:
    """NFKC and casefold; Turkish dotted and dotless i become plain i ("İNTERNAL")."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", cluster).casefold())
    return _visible(folded.replace("i\u0307", "i").replace("ı", "i"))


# Letters of other scripts drawn like Latin ones (after casefolding), which a word typed in
# Latin may borrow to slip past the lexicon ("cоnfidential" with a Cyrillic о). Only words
# that also hold a Latin letter are read as Latin, so Russian or Greek text stays as it is.
_OTHER_SCRIPTS = "аеорсухіјѕһԁԛԝοριναϳκɡօս"  # Cyrillic, Greek, Latin script g, Armenian
_LOOK_ALIKES = str.maketrans(_OTHER_SCRIPTS, "aeopcyxijshdqwopivajkgou")
_LOOK_ALIKE = re.compile(f"[{_OTHER_SCRIPTS}]")
_WORD_WITH_LOOK_ALIKE = re.compile(rf"\w*[{_OTHER_SCRIPTS}]\w*")
_LATIN_LETTER = re.compile("[a-z\u00df-\u00f6\u00f8-\u024f\u1e00-\u1eff]")


def _as_latin(word: re.Match[str]) -> str:
    text = word[0]
    return text.translate(_LOOK_ALIKES) if _LATIN_LETTER.search(text) else text


def _unmasked(folded: str) -> str:
    """Look-alike letters in Latin words read as the Latin letters; one character for one,
    so offsets stay as they were."""
    if not _LOOK_ALIKE.search(folded):
        return folded
    return _WORD_WITH_LOOK_ALIKE.sub(_as_latin, folded)


@functools.lru_cache(maxsize=4096)
def _nfkc(cluster: str) -> str:
    return _visible(unicodedata.normalize("NFKC", cluster))


# A character that NFKC or casefolding may change beyond lowercasing: any non-ASCII one, or
# an ASCII one carrying combining marks. ASCII text between them maps one to one.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
_NON_ASCII = re.compile(f"[^\\x00-\\x7f][{_MARKS}]*")  # a class first: re skips ASCII fast
_MARK = re.compile(f"[{_MARKS}]")


def _clusters(text: str) -> Iterator[tuple[int, int]]:
    """Where each such character is, with any combining marks after it: (start, end)."""
    done = 0
    for match in _NON_ASCII.finditer(text):
        start, end = match.span()
        if start > done and text[start - 1].isascii() and _MARK.match(text, start):
            start -= 1  # an ASCII character carrying marks ("e\u0301")
        yield start, end
        done = end


def normalise(text: str, fold: bool) -> tuple[str, Spans]:
    """The text to match against and its spans; None when offsets already line up, which
    is the case for most captions and skips building the map."""
    if text.isascii():  # NFKC already, and casefolding ASCII only lowers it
        return (text.lower() if fold else text), None
    return _normalise(text, _plain_nfkc(text), fold)


def _plain_nfkc(text: str) -> bool:
    """NFKC already and without invisible characters: the text itself can be matched."""
    return unicodedata.is_normalized("NFKC", text) and not _INVISIBLE.search(text)


def normalise_both(text: str) -> tuple[tuple[str, Spans], tuple[str, Spans]]:
    """normalise(text, fold=False) and normalise(text, fold=True), checking NFKC and
    finding the clusters once for both."""
    if text.isascii():
        return (text, None), (text.lower(), None)
    nfkc = _plain_nfkc(text)
    clusters = None if nfkc else list(_clusters(text))
    return _normalise(text, nfkc, False, clusters), _normalise(text, nfkc, True, clusters)


def _normalise(
    text: str, nfkc: bool, fold: bool, clusters: list[tuple[int, int]] | None = None
) -> tuple[str, Spans]:
    if nfkc:
        if not fold:
            return text, None
        folded = text.casefold()
        if len(folded) == len(text):
            return _unmasked(folded.replace("ı", "i")), None
    pieces: list[str] = []
    spans: list[tuple[int, int, int, bool]] = []
    length = done = 0
    for start, end in _clusters(text) if clusters is None else clusters:
        if done < start:  # ASCII: NFKC leaves it, casefolding only lowers it
            plain = text[done:start]
            pieces.append(plain.lower() if fold else plain)
            spans.append((length, done, start, True))
            length += start - done
        cluster = text[start:end]
        piece = _fold(cluster) if fold else _nfkc(cluster)
        if piece:
            pieces.append(piece)
            spans.append((length, start, end, False))
            length += len(piece)
        done = end
    if done < len(text):
        plain = text[done:]
        pieces.append(plain.lower() if fold else plain)
        spans.append((length, done, len(text), True))
    return (_unmasked("".join(pieces)) if fold else "".join(pieces)), spans


def normalise_appended(
    text: str, normalised: str, spans: Spans, tail: str, fold: bool
) -> tuple[str, Spans]:
    """normalise(text + tail) from normalise(text): clusters never straddle the join when
    `tail` starts with an ASCII character, so only `tail` is normalised."""
    if not (text and tail and tail[0].isascii()):
        return normalise(text + tail, fold)
    if spans is None and tail.isascii():
        return normalised + (tail.lower() if fold else tail), None
    extra, extra_spans = _normalised_tail(tail, fold)
    if spans is None and extra_spans is None:
        return normalised + extra, None
    offset, shift = len(normalised), len(text)
    own = spans if spans is not None else [(0, 0, shift, True)]
    more = extra_spans if extra_spans is not None else [(0, 0, len(tail), True)]
    return normalised + extra, own + [
        (at + offset, start + shift, end + shift, same) for at, start, end, same in more
    ]


def normalise_appended_nfkc(text: str, spans: Spans, tail: str) -> tuple[str, Spans]:
    """normalise(text + tail, fold=False) from normalise(text, fold=False)'s spans: NFKC
    text stays NFKC when an NFKC tail that starts with ASCII is appended (nothing composes
    with an ASCII character or is reordered across it)."""
    if spans is None and tail[:1].isascii() and _plain_nfkc(tail):
        return text + tail, None
    return normalise(text + tail, fold=False)


@functools.lru_cache(maxsize=64)
def _normalised_tail(tail: str, fold: bool) -> tuple[str, Spans]:
    return normalise(tail, fold)


def original(start: int, end: int, spans: Spans) -> tuple[int, int]:
    """Where a match in the normalised text lies in the text it was made from."""
    if spans is None:
        return start, end
    return _origin(start, spans)[0], _origin(end - 1, spans)[1]


def _origin(index: int, spans: list[tuple[int, int, int, bool]]) -> tuple[int, int]:
    """The original text of one normalised character: itself, or its whole cluster."""
    at, start, end, same = spans[bisect.bisect_right(spans, index, key=itemgetter(0)) - 1]
    return (start + index - at, start + index - at + 1) if same else (start, end)


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
    """Whole-word search that starts with the phrase itself, so the regex engine skips fast;
    text without the phrase's first word (the usual case) costs one substring search."""
    if phrase_key.partition(" ")[0] not in folded:
        return False
    matches = _phrase_pattern(phrase_key).finditer(folded)
    return any(not m.start() or not is_word(folded[m.start() - 1]) for m in matches)
