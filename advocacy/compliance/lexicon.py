"""Finding an organisation's terms in a folded caption with one regex built from a trie.

The regex is tried only where a term may start: a caption without all the ASCII words of
any term (most captions) costs a split and a set lookup. Compiling is cached: by identity
of the terms tuple first, then by value, because hashing 1,000 terms costs more than
screening a caption.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from advocacy.compliance.normalise import is_word, key
from advocacy.compliance.rules import Severity, Term


@dataclass(frozen=True)
class _Lexicon:
    pattern: re.Pattern[str] | None
    by_key: dict[str, Term]
    # Each term's ASCII words (see _ascii_words) and the text up to its first space, which
    # starts any match, filed under its longest word.
    words_by_anchor: dict[str, tuple[tuple[frozenset[str], str], ...]]
    anchorless: bool  # a term without ASCII words, all ASCII ("%"): no quick pass
    anchorless_non_ascii: bool  # one with other text ("新しい"): none for non-ASCII captions


# Runs of ASCII word characters stay; every other byte, including the "?" that stands for
# a non-ASCII character, becomes a space.
_ASCII_WORD_BYTES = bytes(c if is_word(chr(c)) else ord(" ") for c in range(256))


def _ascii_words(text: str) -> list[str]:
    """The runs of ASCII letters, digits and "_" in `text`, cut at any other character.

    A term matches only as whole words, so each of its ASCII words is one of the text's
    too. Byte tables find them several times faster than a regex finds \\w runs."""
    return text.encode("ascii", "replace").translate(_ASCII_WORD_BYTES).decode("ascii").split()


def _trie_regex(node: dict) -> str:
    """Alternatives per next character, so the cost barely grows with the number of terms;
    an optional tail makes the longest term win and backtracks to a shorter one."""
    branches = []
    for char, child in sorted(node.items()):
        if char:
            chain = [char]
            while len(child) == 1 and "" not in child:
                ((char, child),) = child.items()
                chain.append(char)
            literal = "".join(r"\s+" if c == " " else re.escape(c) for c in chain)
            branches.append(literal + _trie_regex(child))
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


@functools.lru_cache(maxsize=16)
def _compile_lexicon(terms: tuple[Term, ...]) -> _Lexicon:
    """One regex for all terms; when two terms fold to the same text, a blocked one wins."""
    by_key: dict[str, Term] = {}
    for term in terms:
        term_key = key(term.text)
        known = by_key.get(term_key)
        if term_key and (known is None or known.severity != Severity.BLOCKED):
            by_key[term_key] = term
    trie: dict = {}
    for term_key in by_key:
        node = trie
        for char in term_key:
            node = node.setdefault(char, {})
        node[""] = {}
    pattern = rf"(?<!\w)(?:{_trie_regex(trie)})(?!\w)" if trie else None
    words_by_anchor: dict[str, tuple[tuple[frozenset[str], str], ...]] = {}
    anchorless = anchorless_non_ascii = False
    for term_key in by_key:
        if words := _ascii_words(term_key):
            anchor, opening = max(words, key=len), term_key.partition(" ")[0]
            filed = words_by_anchor.get(anchor, ())
            words_by_anchor[anchor] = (*filed, (frozenset(words), opening))
        elif term_key.isascii():
            anchorless = True
        else:
            anchorless_non_ascii = True
    return _Lexicon(
        pattern and re.compile(pattern),
        by_key,
        words_by_anchor,
        anchorless,
        anchorless_non_ascii,
    )


def _possible_starts(lexicon: _Lexicon, folded: str) -> list[int] | None:
    """Where a match may start, in order (None: anywhere). A caption matches a term only if
    it has all the term's ASCII words (looked up by the longest one), and only where it
    has the term's opening text (up to its first space)."""
    if lexicon.anchorless or (lexicon.anchorless_non_ascii and not folded.isascii()):
        return None
    words = _ascii_words(folded)
    anchors = lexicon.words_by_anchor.keys() & words
    if not anchors:
        return []
    present = set(words)
    starts: set[int] = set()
    for anchor in anchors:
        for term_words, opening in lexicon.words_by_anchor[anchor]:
            at = folded.find(opening) if term_words <= present else -1
            while at >= 0:
                starts.add(at)
                at = folded.find(opening, at + 1)
    return sorted(starts)


def _matches_at(pattern: re.Pattern[str], text: str, starts: list[int]) -> Iterator[re.Match]:
    """What pattern.finditer(text) finds when no match can start elsewhere than `starts`:
    the first match at or after the end of the one before ((?<!\\w) still sees behind)."""
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(text, start)):
            yield match
            end = match.end()


_recent: tuple[tuple[Term, ...], _Lexicon] | None = None


def _lexicon(terms: tuple[Term, ...]) -> _Lexicon:
    """Hashing 1,000 terms costs more than screening a caption: reuse by identity first."""
    global _recent
    recent = _recent
    if recent is None or recent[0] is not terms:
        recent = _recent = (terms, _compile_lexicon(terms))
    return recent[1]


def find_terms(folded: str, terms: tuple[Term, ...]) -> list[tuple[int, int, Term]]:
    """Each distinct term in the folded caption, at its first occurrence (folded offsets)."""
    lexicon = _lexicon(terms)
    if lexicon.pattern is None:
        return []
    starts = _possible_starts(lexicon, folded)
    if starts == []:
        return []
    if starts is None:
        matches = lexicon.pattern.finditer(folded)
    else:
        matches = _matches_at(lexicon.pattern, folded, starts)
    found: list[tuple[int, int, Term]] = []
    seen: set[str] = set()
    for match in matches:
        match_key = " ".join(match[0].split())
        if match_key in seen:
            continue
        seen.add(match_key)
        found.append((*match.span(), lexicon.by_key[match_key]))
    return found
