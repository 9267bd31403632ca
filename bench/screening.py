"""Compliance screening throughput: 100,000 varied captions through `advocacy.compliance.screen`
with a 1,000-term lexicon, against the naive way (each term looked for in turn).

Target (issue 8): >= 20,000 captions/s and >= 10x the naive baseline. The baseline only
looks for terms while `screen()` also checks length, links, personal data and the
disclosure, so the ratio understates the lexicon matcher's own gain; `details` carries the
like-for-like figure (Chorus's lexicon matcher alone).
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from time import perf_counter

from advocacy.compliance import Rules, Severity, Term, screen
from advocacy.compliance.lexicon import find_terms
from advocacy.compliance.normalise import key, normalise
from bench.common import Options, Result, latency_summary, peak_rss_mib, progress, rate, timed

CAPTIONS, TERMS, SEED = 100_000, 1_000, 8
QUICK_CAPTIONS = 2_000
TARGET_RATE, TARGET_RATIO = 20_000, 10
TRACKED_LINK = "http://localhost/l/Ab3dE9"


def run(options: Options) -> list[Result]:
    return [measure(QUICK_CAPTIONS if options.quick else CAPTIONS, TERMS)]


def measure(caption_count: int, term_count: int, seed: int = SEED) -> Result:
    """Screen `caption_count` generated captions with Chorus and with the naive loop."""
    terms = lexicon(term_count, seed)
    rules = Rules(
        terms=terms, disclosure="#employee", approved_domains=("example.com", "chorus.example")
    )
    progress(f"screening: generating {caption_count:,} captions, {len(terms):,} terms")
    captions = generate_captions(caption_count, terms, seed)
    networks = ["x" if i % 2 == 0 else "linkedin" for i in range(caption_count)]

    screen("warm up: compile the lexicon", "x", rules, link=TRACKED_LINK)
    progress("screening: Chorus screen()")
    per_caption: list[float] = []
    blocked = flagged = 0
    with timed() as chorus:
        for caption, network in zip(captions, networks, strict=True):
            started = perf_counter()
            screening = screen(caption, network, rules, link=TRACKED_LINK)
            per_caption.append(perf_counter() - started)
            blocked += screening.blocked
            flagged += screening.flagged

    progress("screening: Chorus lexicon matcher alone")
    with timed() as matcher:
        chorus_found = [bool(find_terms(normalise(c, fold=True)[0], terms)) for c in captions]

    progress("screening: naive baseline (each term in turn)")
    term_keys = [key(term.text) for term in terms]
    with timed() as naive:
        naive_found = [bool(naive_terms(caption, term_keys)) for caption in captions]

    progress("screening: naive per-term regex loop, on a sample")
    sample = captions[: max(1, caption_count // 50)]
    patterns = [re.compile(rf"(?<!\w){re.escape(term_key)}(?!\w)") for term_key in term_keys]
    with timed() as naive_regex:
        for folded in (caption.casefold() for caption in sample):
            [pattern for pattern in patterns if pattern.search(folded)]

    chorus_rate = rate(len(captions), chorus.seconds)
    naive_rate = rate(len(captions), naive.seconds)
    same = sum(a == b for a, b in zip(chorus_found, naive_found, strict=True))
    return Result(
        name="screening",
        metric="captions/s",
        value=chorus_rate,
        baseline=naive_rate,
        baseline_name=f"naive: str.find of each of {len(term_keys):,} casefolded terms, "
        "then a word-boundary check (terms only)",
        better="higher",
        target=f">= {TARGET_RATE:,} captions/s and >= {TARGET_RATIO}x the naive baseline",
        met=chorus_rate >= TARGET_RATE and chorus_rate >= TARGET_RATIO * naive_rate,
        details={
            "captions": len(captions),
            "terms": len(terms),
            "chorus_seconds": round(chorus.seconds, 3),
            "naive_seconds": round(naive.seconds, 3),
            **latency_summary(per_caption),
            "lexicon_only_captions_per_s": rate(len(captions), matcher.seconds),
            "lexicon_only_ratio": round(naive.seconds / matcher.seconds, 2),
            # A weaker naive loop (one compiled regex per term), on a sample of the captions.
            "naive_regex_sample": len(sample),
            "naive_regex_captions_per_s": rate(len(sample), naive_regex.seconds),
            "ratio_vs_naive_regex": round(chorus_rate / rate(len(sample), naive_regex.seconds), 1),
            "captions_blocked": blocked,
            "captions_flagged": flagged,
            "captions_with_a_term_chorus": sum(chorus_found),
            "captions_with_a_term_naive": sum(naive_found),
            "same_verdict_fraction": round(same / len(captions), 4),
            # Text that is not NFKC already (fullwidth, decomposed accents, "…", "™", a
            # no-break space) takes normalise()'s slow path, character cluster by cluster.
            "not_nfkc_fraction": round(
                sum(not unicodedata.is_normalized("NFKC", c) for c in captions) / len(captions), 4
            ),
            "peak_rss_mib": peak_rss_mib(),
        },
    )


def naive_terms(caption: str, term_keys: Sequence[str]) -> list[str]:
    """The baseline: casefold the caption, then for each term in turn find it and keep it
    if some occurrence stands as whole words."""
    folded = caption.casefold()
    found = []
    for term_key in term_keys:
        start = folded.find(term_key)
        while start != -1:
            end = start + len(term_key)
            before = folded[start - 1] if start else " "
            after = folded[end] if end < len(folded) else " "
            if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
                found.append(term_key)
                break
            start = folded.find(term_key, start + 1)
    return found


# A lexicon as a compliance team would write it -----------------------------------------
_CODENAMES = (
    "aurora bluebird cobalt daybreak ember falcon granite harbor indigo juniper kestrel "
    "lantern meridian nebula obsidian pelican quartz redwood sapphire tundra umber vanguard "
    "willow xenon yarrow zephyr atlas beacon cascade dynamo eclipse fjord glacier helix "
    "ironwood jasper keystone lighthouse monsoon northstar orchid prism quasar rampart "
    "sequoia tempest uplift vortex whirlwind yukon zenith acorn basalt cypress driftwood "
    "estuary foxglove gemini hemlock ivory jetstream kodiak lotus magnolia nightjar osprey "
    "paragon quill raven sierra talon ursa verdant wildfire"
).split()
_COMPANIES = (
    "acme globex initech umbrella hooli vandelay soylent cyberdyne tyrell wonka gringotts "
    "oscorp massive dynamic pied piper nakatomi virtucon monarch stark wayne aperture "
    "blue sun weyland yutani black mesa sirius cybernetics buy n large"
).split()
_PROFANITY = (
    "damn|crap|wtf|bullshit|piss off|screw you|sucks|pissed|bloody hell|goddamn|shitty|"
    "shit|fuck|fucking|asshole|bastard|dickhead|jackass|douchebag|wanker|bollocks|arse"
).split("|")


def _combos(firsts: str, seconds: str) -> list[str]:
    return [f"{a} {b}" for a in firsts.split("|") for b in seconds.split("|")]


def lexicon(count: int = TERMS, seed: int = SEED) -> tuple[Term, ...]:
    """`count` distinct believable terms (blocked and flagged, with categories)."""
    # fmt: off
    groups: list[tuple[str, Severity, list[str]]] = [
        ("confidential marker", Severity.BLOCKED, [
            *_combos("internal|confidential|restricted|embargoed|private|draft",
                     "memo|roadmap|deck|figures|pricing|forecast|document|slides|plan|briefing"),
            "internal only", "internal use only", "do not share", "do not distribute",
            "not for distribution", "under nda", "nda", "trade secret", "proprietary",
            "privileged and confidential", "strictly confidential", "eyes only",
        ]),
        ("guarantee of returns", Severity.BLOCKED, [
            *_combos("guaranteed|assured|promised|certain|risk-free|risk free",
                     "returns|return|profit|profits|income|gains|yield|payout|growth|upside"),
            "double your money", "can't lose", "cannot lose", "no risk", "get rich quick",
        ]),
        ("unreleased results", Severity.BLOCKED, _combos(
            "q1|q2|q3|q4|h1|h2|fy23|fy24|fy25|fy26|fy27|next quarter's|this quarter's",
            "revenue|earnings|results|guidance|margins|bookings|numbers|forecast|eps|arr")),
        ("code name", Severity.BLOCKED, [
            f"{kind} {name}" for kind in ("project", "codename", "operation")
            for name in _CODENAMES
        ]),
        ("corporate event", Severity.BLOCKED, _combos(
            "pending|planned|rumoured|rumored|upcoming|secret|confidential",
            "acquisition|merger|layoffs|restructuring|lawsuit|settlement|investigation|"
            "recall|buyout|divestiture|reorg|ipo")),
        ("profanity", Severity.BLOCKED, _PROFANITY),
        ("security", Severity.BLOCKED, _combos(
            "password|api key|access token|vpn|admin|root|ssh key",
            "leak|dump|reset link|list|credentials")),
        ("health claim", Severity.FLAGGED, [
            *_combos("clinically|scientifically|medically|doctor|fda|lab",
                     "proven|approved|tested|recommended|certified|validated"),
            *_combos("cures|prevents|treats|reverses",
                     "cancer|diabetes|anxiety|depression|covid|arthritis|insomnia|obesity"),
            *_combos("100%|totally|completely|perfectly", "safe|effective|secure|accurate"),
        ]),
        ("competitor", Severity.FLAGGED, [
            f"{name} {suffix}".strip() for name in _COMPANIES
            for suffix in ("", "corp", "inc", "labs", "cloud")
        ]),
        ("superlative", Severity.FLAGGED, _combos(
            "best|cheapest|fastest|only|most trusted|number one|leading",
            "in the world|on the market|in the industry|solution anywhere|provider on earth")),
        ("financial advice", Severity.FLAGGED, [
            *_combos("buy|sell|short|hold|dump", "our stock|the stock|shares now|this stock"),
            "price target", "insider tip", "stock tip", "investment advice", "to the moon",
            "hot stock", "penny stock", "not financial advice", "buy the dip",
        ]),
        ("people data", Severity.FLAGGED, _combos(
            "salary|bonus|compensation|headcount|severance|payroll",
            "details|figures|bands|cuts|numbers|data")),
        ("incident", Severity.FLAGGED, _combos(
            "data|security|customer|privacy|service", "breach|incident|outage|leak|exposure")),
    ]
    # fmt: on
    terms: dict[str, Term] = {}
    for category, severity, texts in groups:
        for text in texts:
            terms.setdefault(key(text), Term(text, severity, category))
    if len(terms) < count:
        raise ValueError(f"only {len(terms)} distinct terms can be made, not {count}")
    chosen = sorted(random.Random(seed).sample(sorted(terms), count))
    return tuple(terms[term_key] for term_key in chosen)


# Captions as employees write them --------------------------------------------------------
# fmt: off
_PRODUCTS = [
    "Chorus Cloud", "the new dashboard", "Atlas Analytics", "our mobile app", "Nimbus API",
    "the Spring release", "Pulse", "our partner program", "the starter plan", "version 4.2",
]
_AUDIENCES = [
    "marketing teams", "small businesses", "developers", "HR leaders", "sales reps",
    "nonprofits", "agencies", "finance teams", "remote teams", "our customers",
]
_BENEFITS = [
    "save hours every week", "see what works", "share with confidence", "ship faster",
    "reach more people", "keep everyone in the loop", "cut busywork", "measure real impact",
]
_PLACES = ["Berlin", "Austin", "London", "São Paulo", "Zürich", "Tokyo", "Montréal", "Lagos"]
_EVENTS = ["SaaStr", "Web Summit", "our user conference", "the spring meetup", "DevDays"]
_TEMPLATES = [
    "Proud to share that {product} now helps {audience} {benefit}.",
    "Big news: {product} is live today!",
    "Join us at {event} in {place}, booth {n}.",
    "{n}% faster reports with {product}. Try it and tell us what you think.",
    "Read how one of our customers cut costs by {n}% with {product}.",
    "We're hiring in {place}! Come build {product} with us.",
    "Thanks to everyone who came to {event}, what a week.",
    "If you work with {audience}, this one is for you.",
    "Three things I learned this quarter about helping {audience} {benefit}.",
    "Our team spent {n} days making {product} simpler. Worth it.",
    "Webinar on Thursday: how {audience} {benefit} with {product}.",
    "Happy to see {product} in the top {n} of this year's list.",
]
_HASHTAGS = [
    "#launch", "#cloud", "#AI", "#hiring", "#teamwork", "#SaaS", "#B2B", "#marketing",
    "#productivity", "#DevOps", "#WomenInTech", "#customerSuccess", "#Zukunft", "#イベント",
]
_APPROVED_LINKS = [
    "https://example.com/blog/{slug}?utm_source=social",
    "https://www.example.com/events/{slug}",
    "https://docs.chorus.example/{slug}",
]
_OTHER_LINKS = ["https://bit.ly/{code}", "acme.io/pricing", "http://partner-site.net/{slug}"]
_PERSONAL = [
    "Questions? Mail jane.doe@example.com.", "Call me on +44 20 7946 0958.",
    "Ring (555) 555-1234 for a demo.", "Card for the booth: 4111 1111 1111 1111.",
]
_UNICODE = [
    "🚀🎉", "Merci à tous ! 🙌", "新しいダッシュボードを公開しました。", "Grüße aus Zürich.",
    "¡Gracias, equipo! ✨", "Cafe\u0301 talk at 10 ☕",  # a decomposed é
    "Ｆｕｌｌ ｗｉｄｔｈ ｎｏｔｅ",
]
# fmt: on


def generate_captions(count: int, terms: Sequence[Term], seed: int = SEED) -> list[str]:
    """Deterministic captions: marketing sentences, hashtags, links (approved and not),
    some personal data, some lexicon terms in various cases, and some non-ASCII text."""
    rng = random.Random(seed)
    captions = []
    for _ in range(count):
        sentences = rng.choices((1, 2, 3, 4, 12), weights=(30, 35, 20, 10, 5))[0]
        parts = [
            rng.choice(_TEMPLATES).format(
                product=rng.choice(_PRODUCTS),
                audience=rng.choice(_AUDIENCES),
                benefit=rng.choice(_BENEFITS),
                place=rng.choice(_PLACES),
                event=rng.choice(_EVENTS),
                n=rng.randint(2, 90),
            )
            for _ in range(sentences)
        ]
        if rng.random() < 0.10:
            term = rng.choice(terms).text
            term = rng.choice((term, term.upper(), term.title()))
            parts.insert(rng.randrange(len(parts) + 1), f"Quick note on {term}, more soon.")
        if rng.random() < 0.06:
            parts.append(rng.choice(_PERSONAL))
        if rng.random() < 0.15:
            parts.append(rng.choice(_UNICODE))
        if rng.random() < 0.40:
            links = _APPROVED_LINKS if rng.random() < 0.8 else _OTHER_LINKS
            slug = f"{rng.choice(_PRODUCTS).split()[-1].lower()}-{rng.randint(1, 999)}"
            parts.append(rng.choice(links).format(slug=slug, code=f"x{rng.randint(1000, 9999)}"))
        parts.append(" ".join(rng.sample(_HASHTAGS, rng.choice((0, 1, 2, 3)))))
        captions.append(" ".join(part for part in parts if part))
    return captions
