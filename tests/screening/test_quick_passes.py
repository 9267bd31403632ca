"""The quick passes that let screen() skip work must never change what it finds: each one is
compared here with the full search it stands in for, on tricky generated captions
(Unicode digits, fullwidth and decomposed text, emails, cards with separators, links)."""

from __future__ import annotations

import random
import re

import pytest

from advocacy.compliance import Rules, Severity, Term, _x_length, links, personal_data, screen
from advocacy.compliance import lexicon as lexicon_module
from advocacy.compliance import normalise as normalise_module

N = normalise_module
# fmt: off
FRAGMENTS = [
    "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005", "123-45-6789",
    "AB 12 34 56 C", "AB123456C", "ab123456d", "+44 20 7946 0958", "(555) 555-1234",
    "020 7946 0958", "07700 900123", "+1 (555) 555-1234", "12345", "123456", "2026", "4.2",
    "(+", "99%", "jane.doe@example.com", "a+b@x.co", "@handle", "x@y",
    "ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ", "https://example.com/x?y=1", "http://evil.com@example.com",
    "www.acme.io", "acme.io/x", "Node.js", "notes.txt", "http://[::1]:80/x", "sub.example.com",
    "ｈｔｔｐｓ：／／ｅｖｉｌ．ｃｏｍ", "١٢٣٤٥٦٧٨٩٠", "०१२३ ४५६७", "①②③", "²³",
    "０１２３ ４５６７ ８９０１ ２３４５", "𝟒𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏 𝟏𝟏𝟏𝟏",
    "#employee", "#Employee", "#ＥＭＰＬＯＹＥＥ", "#employees", "Internal Only", "internal\nonly",
    "ｉｎｔｅｒｎａｌ ｏｎｌｙ", "İNTERNAL only", "INTERNAL\u00a0ONLY", "do not share", "damn",
    "dámn", "da\u0301mn", "Cafe\u0301", "café", "straße", "STRASSE", "ß", "ﬁ", "ΣΑΣ", "新しい",
    "🚀", "…", "™", "100%", "#ad", "can't lose", "risk-free returns", "q3 revenue", "x\u0301",
    "+\u0301", "\u0301", "\u0345", "K", "ſ", "ı", "\u3000", "\u2028", "\ud800", "_", "-", ".",
    "/", ":", "@", "(",
]
SEPARATORS = [" ", "", ",", ". ", "\n", "-", "/", "@", "(", "\u00a0", "、", "!"]
# fmt: on
TERMS = tuple(
    Term(text, Severity.BLOCKED if i % 3 else Severity.FLAGGED, "test")
    for i, text in enumerate(
        [
            "internal only",
            "do not share",
            "damn",
            "café",
            "straße",
            "100%",
            "#ad",
            "can't lose",
            "risk-free returns",
            "q3 revenue",
            "project aurora",
            "ass",
            "guaranteed",
            "guaranteed returns",
            "新しい",
            "ﬁnal",
            "σας",
            "it's 4.2",
        ]
    )
)


def captions(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    made = []
    for _ in range(count):
        parts = []
        for _ in range(rng.choice((1, 2, 3, 5, 8))):
            parts.append(rng.choice(FRAGMENTS))
            parts.append(rng.choice(SEPARATORS))
        made.append("".join(parts))
    return made


CAPTIONS = captions(1500, seed=8)


@pytest.mark.parametrize(
    "terms",
    [TERMS, TERMS[:-4], (*TERMS, Term("%", Severity.FLAGGED)), (Term("新しい", Severity.BLOCKED),)],
    ids=["all", "ascii-words", "a-term-without-words", "only-non-ascii"],
)
def test_term_quick_pass_finds_what_the_whole_regex_finds(terms: tuple[Term, ...]) -> None:
    lexicon = lexicon_module._lexicon(terms)
    for caption in CAPTIONS:
        folded = N.normalise(caption, fold=True)[0]
        everywhere = [match.span() for match in lexicon.pattern.finditer(folded)]
        starts = lexicon_module._possible_starts(lexicon, folded)
        if starts is not None:
            found = lexicon_module._matches_at(lexicon.pattern, folded, starts)
            assert [match.span() for match in found] == everywhere, caption


def _old_number_spans(text: str) -> list[tuple[int, int, str]]:
    """number_spans before its quick passes: every run of digits and separators."""
    found: dict[tuple[int, int], str] = {}
    for number in re.finditer(r"[0-9(+][0-9 ().+-]*+", text):
        if sum(map(str.isdigit, number[0])) >= 6:
            window = (text, max(0, number.start() - 3), number.end() + 3)
            for finder in (
                personal_data._cards,
                personal_data._national_ids,
                personal_data._phones,
            ):
                found.update({(s, e): k for s, e, k in finder(*window) if (s, e) not in found})
    return [(s, e, kind) for (s, e), kind in found.items()]


def test_number_quick_passes_find_what_every_digit_run_finds() -> None:
    for caption in CAPTIONS:
        scan = N.normalise(caption, fold=False)[0]
        assert personal_data.number_spans(scan) == _old_number_spans(scan), caption


_OLD_SPECIAL = re.compile(f"[\\s\\S][{N._MARKS}]+|[^\\x00-\\x7f]")


def _old_normalise(text: str, fold: bool) -> tuple[str, list[tuple[int, int]]]:
    """normalise before its quick paths: every cluster found by one regex, and where every
    character came from (invisible characters dropped, look-alike letters read as Latin)."""
    pieces, spans, done = [], [], 0
    for cluster in _OLD_SPECIAL.finditer(text):
        start, end = cluster.span()
        plain = text[done:start]
        pieces.append(plain.lower() if fold else plain)
        spans += [(i, i + 1) for i in range(done, start)]
        piece = N._fold(cluster[0]) if fold else N._nfkc(cluster[0])
        pieces.append(piece)
        spans += [(start, end)] * len(piece)
        done = end
    pieces.append(text[done:].lower() if fold else text[done:])
    spans += [(i, i + 1) for i in range(done, len(text))]
    return (N._unmasked("".join(pieces)) if fold else "".join(pieces)), spans


def _assert_maps_alike(text: str, normalised: str, spans: N.Spans, fold: bool) -> None:
    """The same normalised text, and every match mapped back to the same caption text."""
    old_text, old_spans = _old_normalise(text, fold)
    assert normalised == old_text, text
    for start in range(len(normalised)):
        for end in range(start + 1, min(len(normalised), start + 12) + 1):
            expected = (old_spans[start][0], old_spans[end - 1][1])
            assert N.original(start, end, spans) == expected, (text, start, end)


def test_normalised_text_maps_back_as_character_by_character() -> None:
    for caption in CAPTIONS[:400]:
        scan, folded = N.normalise_both(caption)
        assert scan == N.normalise(caption, fold=False)
        assert folded == N.normalise(caption, fold=True)
        if scan[1] is not None:
            _assert_maps_alike(caption, *scan, fold=False)
        if folded[1] is not None:
            _assert_maps_alike(caption, *folded, fold=True)


def test_clusters_are_those_of_the_single_regex() -> None:
    for caption in [*CAPTIONS, "a\u0301\u0301b", "\u0301x", "é\u0301", "+\u0301\u20dd"]:
        expected = [match.span() for match in _OLD_SPECIAL.finditer(caption)]
        assert list(N._clusters(caption)) == expected, caption


@pytest.mark.parametrize(
    "tail",
    [" #employee", "\n\n#Employee", "\n\n#ｅｍｐｌｏｙｅｅ", " Ad \u2014 #employe\u0301", " é"],
)
def test_appending_the_disclosure_normalises_like_the_whole_text(tail: str) -> None:
    for caption in CAPTIONS[:600]:
        if not caption:
            continue
        (scan, spans), (folded, fold_spans) = N.normalise_both(caption)
        assert N.normalise_appended_nfkc(caption, spans, tail) == N.normalise(
            caption + tail, fold=False
        ), caption
        appended, appended_spans = N.normalise_appended(caption, folded, fold_spans, tail, True)
        assert appended == folded + N.normalise(tail, fold=True)[0]
        # Before: the caption's and the tail's own spans (or one to one), the tail's shifted.
        aligned = [(i, i + 1) for i in range(len(caption + tail))]
        own = aligned[: len(folded)] if fold_spans is None else _old_normalise(caption, True)[1]
        more = aligned[: len(tail)]
        if N.normalise(tail, fold=True)[1] is not None:
            more = _old_normalise(tail, True)[1]
        expected = own + [(s + len(caption), e + len(caption)) for s, e in more]
        for start in range(len(appended)):
            got = N.original(start, start + 1, appended_spans)
            assert got == (expected[start] if appended_spans else (start, start + 1)), caption


def test_disclosure_quick_pass_agrees_with_its_regex() -> None:
    for caption in CAPTIONS:
        folded = N.normalise(caption, fold=True)[0]
        for phrase in ("#employee", "internal only", "ad", "é"):
            phrase_key = N.key(phrase)
            pattern = N._phrase_pattern(phrase_key)
            expected = any(
                not m.start() or not N.is_word(folded[m.start() - 1])
                for m in pattern.finditer(folded)
            )
            assert N.contains_phrase(folded, phrase_key) == expected, (caption, phrase)


@pytest.mark.parametrize("host", ["example.com", "a.example.com", "badexample.com", "com", ""])
def test_subdomains_are_approved_as_before(host: str) -> None:
    for approved in [(), ("example.com",), ("chorus.example", "example.com"), ("com",)]:
        expected = any(host == d or host.endswith("." + d) for d in approved)
        assert links.is_approved(host, approved) == expected


def test_x_length_without_links_is_the_weighted_length() -> None:
    for caption in CAPTIONS:
        heavy = len(re.findall("[^\u0000-\u10ff\u2000-\u200d\u2010-\u201f\u2032-\u2037]", caption))
        assert _x_length(caption, []) == len(caption) + heavy


def test_screen_is_deterministic_across_rules_objects() -> None:
    """Caches keyed by identity (the lexicon) must give what a fresh Rules object gives."""
    first = Rules(terms=TERMS, approved_domains=("example.com",))
    again = Rules(terms=tuple(list(TERMS)), approved_domains=("example.com",))
    for caption in CAPTIONS[:300]:
        assert screen(caption, "x", first) == screen(caption, "x", again)
