"""Who shares what, when: the published shares of the span, chosen the way the app allows
them (a connected, certified person; an approved item live at that moment, meant for the
network and for the person's department; one share per person, item and network)."""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from advocacy.models.content import APPROVED
from bench.marketing import Item
from bench.people import Account, Person
from bench.synthetic import HOUR, Span

Planned = tuple[datetime, Account, Item]  # published_at, by which account, of which item
LAST_SHARE = timedelta(minutes=5)  # no share in the last minutes before the span's end


def window(account: Account, item: Item, span: Span) -> tuple[datetime, datetime]:
    """When this account could have shared this item (empty when high <= low)."""
    low = max(item.starts_at, account.connected_at, span.start)
    high = min(item.expires_at or span.until, account.usable_until, span.until - LAST_SHARE)
    return low, high


def plan_shares(
    rng: random.Random,
    accounts: Sequence[Account],
    people: dict[int, Person],
    items: Sequence[Item],
    span: Span,
    count: int,
) -> list[Planned]:
    """`count` shares, oldest first. Activity per account has a long tail (a few advocates
    share most items), capped by what each could share; popular items are shared more."""
    if count == 0:
        return []
    eligible = [_eligible(account, people[account.user_id], items, span) for account in accounts]
    possible = sum(len(e) for e in eligible)
    if possible < count:
        raise SystemExit(
            f"Only {possible} shares fit these people, items and days (one per person, item "
            "and network); ask for fewer shares or more employees."
        )
    weights = [rng.lognormvariate(0, 1.2) * _days_usable(a, span) for a in accounts]
    targets = _fill(weights, [len(e) for e in eligible], count)
    planned: list[Planned] = []
    for account, choices, target in zip(accounts, eligible, targets, strict=True):
        keys = {i: rng.random() ** (1 / items[i].appeal) for i in choices}
        for index in heapq.nlargest(target, choices, key=keys.__getitem__):
            item = items[index]
            planned.append((_moment(rng, *window(account, item, span)), account, item))
    planned.sort(key=lambda p: (p[0], p[1].id, p[2].id))
    return planned


def _days_usable(account: Account, span: Span) -> float:
    """How long the account could share within the span, in days (at least one)."""
    usable = min(account.usable_until, span.until) - max(account.connected_at, span.start)
    return max(usable / timedelta(days=1), 1.0)


def _eligible(account: Account, person: Person, items: Sequence[Item], span: Span) -> list[int]:
    found = []
    for index, item in enumerate(items):
        if item.status != APPROVED or account.network not in item.networks:
            continue
        if item.department_ids and person.department_id not in item.department_ids:
            continue
        low, high = window(account, item, span)
        if high - low >= HOUR:
            found.append(index)
    return found


def _fill(weights: list[float], caps: list[int], count: int) -> list[int]:
    """Whole shares per account, proportional to its weight but never over its cap,
    summing to `count` (water-filling: find the scale where the capped sum is `count`)."""
    low, high = 0.0, float(count) / min(weights) + 1
    for _ in range(200):
        middle = (low + high) / 2
        if sum(min(c, middle * w) for w, c in zip(weights, caps, strict=True)) < count:
            low = middle
        else:
            high = middle
    exact = [min(c, high * w) for w, c in zip(weights, caps, strict=True)]
    targets = [int(e) for e in exact]
    short = count - sum(targets)
    by_fraction = sorted(range(len(exact)), key=lambda i: targets[i] - exact[i])
    for i in by_fraction:
        if short <= 0:
            break
        if targets[i] < caps[i]:
            targets[i] += 1
            short -= 1
    return targets


def _moment(rng: random.Random, low: datetime, high: datetime) -> datetime:
    """Most shares go out soon after an item goes live, and mostly in working hours."""
    seconds = (high - low).total_seconds()
    for _ in range(2):
        moment = low + timedelta(seconds=int(seconds * rng.random() ** 2))
        if 6 <= moment.hour < 22:
            break
    return moment
