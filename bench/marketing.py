"""What marketing queued over the span: campaigns, approved content items with their
audiences and revisions, and engage asks with the colleagues credited for them."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from advocacy import compliance
from advocacy.models.content import APPROVED, ARCHIVED, DRAFT, IN_REVIEW
from advocacy.services.content import REVISED_FIELDS
from bench.people import Account
from bench.synthetic import DAY, HOUR, Span, between, days, hour_of

THEMES = (
    "Product launch", "Customer stories", "Engineering hiring", "Sales hiring",
    "Thought leadership", "Security month", "Partner week", "Developer conference",
    "Sustainability report", "Culture and values", "Analyst report", "Webinar series",
    "Community", "Pricing update", "Year in review", "Graduate programme", "Open source",
    "Industry awards",
)  # fmt: skip
TITLES = (
    "How {customer} cut onboarding time by {n}%", "{product} {n}.0: what is new",
    "We are hiring: {role} in {city}", "Webinar: {topic} in practice",
    "{n} lessons from a year of {topic}", "Our report on {topic}", "Meet the {team} team",
    "Case study: {customer} and {product}", "Why we built {product}", "{topic}: a guide",
)  # fmt: skip
WORDS = {
    "customer": ("Northwind", "Contoso", "Fabrikam", "Globex", "Initech", "Umbrella", "Tailspin"),
    "product": ("Chorus Cloud", "Chorus Insights", "the Chorus API", "Chorus Mobile"),
    "role": ("senior engineers", "account executives", "designers", "data scientists"),
    "city": ("Lisbon", "Berlin", "Austin", "Singapore", "Toronto", "Nairobi"),
    "topic": ("remote work", "data privacy", "customer success", "AI assistants", "open APIs"),
    "team": ("platform", "support", "research", "design", "sales engineering"),
}
HASHTAGS = ("#ChorusCloud", "#Hiring", "#CustomerSuccess", "#Engineering", "#Webinar", "#Data")
ITEM_COLUMNS = (
    "id", "campaign_id", "url", "title", "summary", "captions", "hashtags", "networks",
    "starts_at", "expires_at", "status", "version", "created_by_id", "created_at", "updated_at",
    "submitted_by_id", "approved_by_id", "approved_at", "approved_version",
)  # fmt: skip
CAMPAIGN_COLUMNS = (
    "id", "name", "goal", "starts_on", "ends_on", "utm_campaign", "created_by_id", "created_at",
)  # fmt: skip
REVISION_COLUMNS = ("id", "content_item_id", "version", "saved_by_id", "saved_at", "status",
                    "fields")  # fmt: skip
ASK_COLUMNS = (
    "id", "campaign_id", "network", "post_url", "remote_post_id", "actions", "message",
    "created_by_id", "created_at", "expires_at", "closed_at", "engagers_checked_at",
)  # fmt: skip
ENGAGEMENT_COLUMNS = ("id", "ask_id", "user_id", "action", "found_at")


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    starts_on: date
    ends_on: date | None


@dataclass(frozen=True)
class Item:
    id: int
    campaign: Campaign
    title: str
    url: str
    networks: tuple[str, ...]
    department_ids: frozenset[int]
    starts_at: datetime
    expires_at: datetime | None
    status: str
    appeal: float  # how readily people share it, relative to other items
    captions: dict[str, str]
    hashtags: list[str]


def make_campaigns(rng: random.Random, count: int, span: Span) -> list[Campaign]:
    campaigns, names = [], set()
    first = span.start - timedelta(days=45)
    for number in range(1, count + 1):
        start = first + days((span.days + 40) * (number - 1) / count + rng.uniform(0, 8))
        season = ("Winter", "Spring", "Summer", "Autumn")[(start.month % 12) // 3]
        name = f"{rng.choice(THEMES)} {season} {start.year}"
        while name in names:
            name += " II"
        names.add(name)
        ends = None if rng.random() < 0.1 else (start + days(rng.uniform(40, 120))).date()
        campaigns.append(Campaign(number, name, start.date(), ends))
    return campaigns


def campaign_rows(campaigns: list[Campaign], marketer_ids: list[int]) -> list[tuple]:
    rows = []
    for c in campaigns:
        created = datetime.combine(c.starts_on - timedelta(days=3), time(9), UTC)
        rows.append((
            c.id, c.name, f"Make {c.name.lower()} reach further through our people.", c.starts_on,
            c.ends_on, re.sub(r"[^a-z0-9]+", "-", c.name.lower()).strip("-")[:100],
            marketer_ids[c.id % len(marketer_ids)], created,
        ))  # fmt: skip
    return rows


def make_items(
    rng: random.Random, count: int, campaigns: list[Campaign], department_count: int, span: Span
) -> list[Item]:
    items = []
    starts = sorted(
        hour_of(between(rng, span.start - 20 * DAY, span.until - 2 * DAY)) for _ in range(count)
    )
    for number, start in enumerate(starts, start=1):
        day = start.date()
        running = [c for c in campaigns if c.starts_on <= day <= (c.ends_on or day)]
        campaign = (
            rng.choice(running)
            if running
            else min(campaigns, key=lambda c: abs((c.starts_on - day).days))
        )
        expires = None if rng.random() < 0.05 else start + days(rng.uniform(10, 45))
        title = rng.choice(TITLES).format(n=rng.randint(2, 9), **{
            k: rng.choice(v) for k, v in WORDS.items()
        })  # fmt: skip
        title = title[0].upper() + title[1:]
        pick = rng.random()
        networks = ("linkedin", "x") if pick < 0.7 else ("linkedin",) if pick < 0.85 else ("x",)
        audience = frozenset()
        if rng.random() < 0.12:
            audience = frozenset(rng.sample(range(1, department_count + 1), rng.randint(1, 2)))
        status = rng.choices((APPROVED, DRAFT, IN_REVIEW, ARCHIVED), (97, 1, 1, 1))[0]
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
        tags = rng.sample(HASHTAGS, rng.randint(1, 2))
        items.append(Item(
            id=number, campaign=campaign, title=title, url=f"https://example.com/{slug}-{number}",
            networks=networks, department_ids=audience, starts_at=start, expires_at=expires,
            status=status, appeal=rng.lognormvariate(0, 0.8),
            captions={
                "x": f"{title}. Proud of the team behind this!",
                "linkedin": f"{title}.\n\nI'm proud of what my colleagues built; have a look "
                "and tell me what you think.",
            },
            hashtags=tags,
        ))  # fmt: skip
    return items


def screened_texts(items: list[Item], rules: compliance.Rules) -> dict[tuple[int, str], str]:
    """The text each share of an item carries on a network: the suggested caption and
    hashtags, screened as publishing screens it (the disclosure added)."""
    texts = {}
    for item in items:
        for network in item.networks:
            caption = item.captions[network]
            missing = [t for t in item.hashtags if t.casefold() not in caption.casefold()]
            result = compliance.screen(" ".join([caption, *missing]), network, rules)
            if result.blocked or result.flagged:
                raise RuntimeError(f"Generated caption does not pass screening: {result.problems}")
            texts[item.id, network] = result.text
    return texts


def item_rows(items: list[Item], marketer_ids: list[int], approver_id: int) -> list[tuple]:
    rows = []
    for item in items:
        author = marketer_ids[item.id % len(marketer_ids)]
        approved = item.starts_at - HOUR * (1 + item.id % 47) if item.status != DRAFT else None
        created = (approved or item.starts_at) - HOUR * (2 + item.id % 70)
        reviewed = item.status in (APPROVED, ARCHIVED)
        rows.append((
            item.id, item.campaign.id, item.url, item.title,
            f"{item.title}: the story in two minutes.",
            {n: item.captions[n] for n in item.networks}, item.hashtags, list(item.networks),
            item.starts_at, item.expires_at, item.status, 1, author, created,
            approved or created, author if item.status != DRAFT else None,
            approver_id if reviewed else None, approved if reviewed else None,
            1 if reviewed else None,
        ))  # fmt: skip
    return rows


def revision_rows(
    items: list[Item], saved: list[tuple], department_names: dict[int, str]
) -> list[tuple]:
    """One revision per item (`saved`: its item_rows), as content._keep_revision writes it."""
    rows = []
    for item, row in zip(items, saved, strict=True):
        values = dict(zip(ITEM_COLUMNS, row, strict=True)) | {"image_name": None}
        fields = {
            name: values[name].isoformat() if isinstance(values[name], datetime) else values[name]
            for name in REVISED_FIELDS
        }
        fields["departments"] = sorted(department_names[d] for d in item.department_ids)
        rows.append((item.id, item.id, 1, values["created_by_id"], values["updated_at"],
                     item.status, fields))  # fmt: skip
    return rows


def audience_rows(items: list[Item]) -> list[tuple]:
    return [(item.id, d) for item in items for d in sorted(item.department_ids)]


def ask_and_engagement_rows(
    rng: random.Random,
    count: int,
    campaigns: list[Campaign],
    accounts: list[Account],
    marketer_ids: list[int],
    span: Span,
) -> tuple[list[tuple], list[tuple]]:
    """Engage asks over the span, and the certified colleagues the hourly crediting found."""
    asks, engagements = [], []
    last_run = hour_of(span.until - timedelta(minutes=37)) + timedelta(minutes=37)
    for number in range(1, count + 1):
        network = rng.choice(("linkedin", "x"))
        created = between(rng, span.start, span.until - DAY)
        expires = created + days(rng.uniform(5, 21))
        closed = None
        if rng.random() < 0.1 and expires < span.until:
            closed = between(rng, created + HOUR, expires)
        ends = min(expires, closed or expires, span.until)
        checked = min(last_run, hour_of(ends + 2 * DAY - timedelta(minutes=37)) +
                      timedelta(minutes=37))  # fmt: skip
        post = str(rng.randrange(7 * 10**18, 8 * 10**18))
        if network == "x":
            actions, url, remote = ["like", "reshare"], f"https://x.com/chorus/status/{post}", post
        else:
            remote = f"urn:li:activity:{post}"
            actions, url = ["like", "comment"], f"https://www.linkedin.com/feed/update/{remote}/"
        actions = actions[: rng.randint(1, 2)]
        live = [c for c in campaigns if c.starts_on <= created.date()]
        asks.append((
            number, live[-1].id if live and rng.random() < 0.8 else None, network, url, remote,
            actions, f"A {' or a '.join(actions)} helps our news travel further.",
            marketer_ids[number % len(marketer_ids)], created, expires, closed, checked,
        ))  # fmt: skip
        colleagues = [a for a in accounts if a.network == network and a.connected_at < created]
        for account in rng.sample(colleagues, min(len(colleagues), int(rng.uniform(3, 80)))):
            acted = created + timedelta(days=rng.expovariate(1.5))
            if acted >= ends or acted >= account.usable_until:
                continue
            found = hour_of(acted) + timedelta(minutes=37)
            found += HOUR if found < acted else timedelta(0)
            if found > checked:
                continue
            for action in actions:
                if action == "like" or rng.random() < 0.3:
                    row = (len(engagements) + 1, number, account.user_id, action, found)
                    engagements.append(row)
    return asks, engagements
