"""The rows each published share leaves behind: the share and its archive record, the
metric snapshots the hourly sync would have stored (with the daily rollup and the latest
figures), and the clicks on its tracked link."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from advocacy.models.shares import PUBLISHED
from bench.people import Person
from bench.plan import Planned
from bench.synthetic import DAY, HOUR, Span, hex_key, hour_of, hours, link_code
from connectors.linkedin import RESTRICTED
from connectors.x import LINK_CLICKS_PRIVATE

SHARE_COLUMNS = (
    "id", "user_id", "content_item_id", "network", "text", "status", "scheduled_for",
    "published_at", "remote_id", "remote_url", "idempotency_key", "link_code", "follower_count",
    "flags", "metrics_synced_at", "publish_attempts", "created_at",
)  # fmt: skip
ARCHIVE_COLUMNS = (
    "id", "published_at", "share_id", "user_id", "user_email", "user_name", "network",
    "account_handle", "account_remote_id", "text", "link", "remote_id", "remote_url",
    "content_title", "campaign_name", "details",
)  # fmt: skip
FIGURES = ("impressions", "members_reached", "likes", "comments", "reshares", "quotes",
           "bookmarks", "link_clicks")  # fmt: skip
SNAPSHOT_COLUMNS = ("id", "share_id", "taken_at", "missing", *FIGURES)
DAILY_COLUMNS = ("id", "share_id", "day", *FIGURES)
LATEST_COLUMNS = ("share_id", "read_at", *FIGURES)
CLICK_COLUMNS = ("id", "share_id", "clicked_at", "visitor", "visit_key", "referrer_host", "is_bot")
SYNC_MINUTE = timedelta(minutes=7)  # the metric sync runs hourly at :07
HOURLY_SLOTS = 48  # then daily (services.metrics: hourly under two days old)
X_EPOCH_MS = 1288834974657
NO_FLAGS: list[str] = []
MISSING = {
    "x": [LINK_CLICKS_PRIVATE],
    "linkedin": [],
    "linkedin-restricted": [f"impressions, reach and reshares: {RESTRICTED}"],
}
# (referrer host or None, weight) per network.
REFERRERS = {
    "x": ((("t.co", 65), (None, 25), ("www.google.com", 5), ("news.ycombinator.com", 5))),
    "linkedin": (("www.linkedin.com", 50), ("lnkd.in", 20), (None, 25), ("www.google.com", 5)),
}


@dataclass
class Batch:
    """The rows of one run of consecutive shares, per table."""

    shares: list[tuple] = field(default_factory=list)
    archive: list[tuple] = field(default_factory=list)
    snapshots: list[tuple] = field(default_factory=list)
    daily: list[tuple] = field(default_factory=list)
    latest: list[tuple] = field(default_factory=list)
    clicks: list[tuple] = field(default_factory=list)


class Activity:
    """Builds batches in share id order; ids of snapshots, rollups and clicks continue
    from one batch to the next."""

    def __init__(
        self,
        rng: random.Random,
        span: Span,
        people: dict[int, Person],
        texts: dict[tuple[int, str], str],
        base_url: str,
        snapshots_per_share: int,
    ) -> None:
        self.rng, self.span, self.people, self.texts = rng, span, people, texts
        self.base_url, self.slots = base_url, snapshots_per_share
        self.salts = (rng.getrandbits(64), rng.getrandbits(128))
        self.visitors = [f"{rng.getrandbits(128):032x}" for _ in range(50_000)]
        self.bots = {n: f"{rng.getrandbits(128):032x}" for n in ("x", "linkedin")}
        self.details: dict[int, dict] = {}
        self.next_snapshot = self.next_daily = self.next_click = 1

    def batch(self, first_id: int, planned: Sequence[Planned]) -> Batch:
        batch = Batch()
        for share_id, (published, account, item) in enumerate(planned, start=first_id):
            network = account.network
            age = (self.span.until - published) / timedelta(days=365)
            followers = int(account.followers * max(0.5, 1 - 0.15 * age))
            synced = self._figures(batch, share_id, published, network, followers, item.appeal)
            created, scheduled = self._created(published, max(item.starts_at, account.connected_at))
            stamp = int(published.timestamp() * 1000)
            if network == "x":
                remote_id = str(((stamp - X_EPOCH_MS) << 22) | (share_id & 0x3FFFFF))
                remote_url = f"https://x.com/i/web/status/{remote_id}"
            else:
                remote_id = f"urn:li:share:{(stamp << 22) | (share_id & 0x3FFFFF)}"
                remote_url = f"https://www.linkedin.com/feed/update/{remote_id}/"
            code = link_code(share_id, self.salts[0])
            text = self.texts[item.id, network]
            batch.shares.append((
                share_id, account.user_id, item.id, network, text, PUBLISHED, scheduled,
                published, remote_id, remote_url, hex_key(share_id, self.salts[1]), code,
                followers, NO_FLAGS, synced, 0, created,
            ))  # fmt: skip
            person = self.people[account.user_id]
            if item.id not in self.details:
                self.details[item.id] = {"flags": NO_FLAGS, "content_item_id": item.id}
            batch.archive.append((
                share_id, published, share_id, person.id, person.email, person.name, network,
                ("@" if network == "x" else "") + account.handle, account.remote_id, text,
                f"{self.base_url}/s/{code}", remote_id, remote_url, item.title,
                item.campaign.name, self.details[item.id],
            ))  # fmt: skip
            self._clicks(batch, share_id, published, network, item.appeal)
        return batch

    def _created(self, published: datetime, earliest: datetime) -> tuple[datetime, datetime]:
        """(created_at, scheduled_for): shared now, or scheduled ahead (one in five)."""
        rng = self.rng
        if rng.random() < 0.2:
            created = max(earliest, published - hours(rng.uniform(1, 72)))
            return min(created, published), published - timedelta(seconds=rng.randint(1, 59))
        moment = published - timedelta(seconds=rng.randint(1, 3))
        return moment, moment

    def _figures(
        self,
        batch: Batch,
        share_id: int,
        published: datetime,
        network: str,
        followers: int,
        appeal: float,
    ) -> datetime | None:
        """Snapshots at each sync after publishing (hourly, then daily), cumulative and
        non-decreasing; the day's last for the rollup; the last as the latest figures.
        Returns when the share was last synced (None: not yet)."""
        rng = self.rng
        if self.slots <= 0:
            return None
        first = hour_of(published) + SYNC_MINUTE
        first += HOUR if first <= published else timedelta(0)
        runs = [first + HOUR * k for k in range(min(self.slots, HOURLY_SLOTS))]
        runs += [runs[-1] + DAY * k for k in range(1, self.slots - len(runs) + 1)]
        runs = [run for run in runs if run <= self.span.until]
        if not runs:
            return None
        x = network == "x"
        shown = followers * rng.lognormvariate(math.log(0.08 if x else 0.3), 0.8)
        impressions = shown * math.sqrt(appeal) + rng.lognormvariate(math.log(15), 1.0)
        likes = impressions * rng.lognormvariate(math.log(0.008 if x else 0.012), 0.5)
        comments = likes * rng.lognormvariate(math.log(0.12), 0.5)
        reshares = likes * rng.lognormvariate(math.log(0.06), 0.6)
        restricted = not x and rng.random() < 0.05
        missing = MISSING["linkedin-restricted" if restricted else network]
        if x:
            extra = (reshares * rng.uniform(0.1, 0.3), likes * rng.uniform(0.05, 0.25))
        else:
            extra = (impressions * rng.uniform(0.55, 0.85),)
        pace = rng.uniform(2, 10)  # hours for about two thirds of a post's figures
        for index, run in enumerate(runs):
            grown = 1 - math.exp(-((run - published) / HOUR) / pace)
            shown_likes, shown_comments = int(likes * grown), int(comments * grown)
            if x:
                figures = (
                    int(impressions * grown), None, shown_likes, shown_comments,
                    int(reshares * grown), int(extra[0] * grown), int(extra[1] * grown), None,
                )  # fmt: skip
            elif restricted:
                figures = (None, None, shown_likes, shown_comments, None, None, None, None)
            else:
                figures = (
                    int(impressions * grown), int(extra[0] * grown), shown_likes,
                    shown_comments, int(reshares * grown), None, None, None,
                )  # fmt: skip
            slot = run - SYNC_MINUTE
            batch.snapshots.append((self.next_snapshot, share_id, slot, missing, *figures))
            self.next_snapshot += 1
            if index + 1 == len(runs) or runs[index + 1].date() != run.date():
                batch.daily.append((self.next_daily, share_id, run.date(), *figures))
                self.next_daily += 1
        batch.latest.append((share_id, runs[-1], *figures))
        return runs[-1]

    def _clicks(
        self, batch: Batch, share_id: int, published: datetime, network: str, appeal: float
    ) -> None:
        """A few visits per share with a long tail, a repeat now and then (same visit key
        within the hour), and sometimes the network's link-preview bot."""
        rng = self.rng
        if rng.random() < 0.15:
            at = published + timedelta(seconds=rng.randint(1, 30))
            self._click(batch, share_id, at, self.bots[network], None, True)
        hosts, weights = zip(*REFERRERS[network], strict=True)
        previous: tuple[str, datetime] | None = None
        for _ in range(int(rng.lognormvariate(0, 1.0) * 2.0 * math.sqrt(appeal))):
            if previous is not None and rng.random() < 0.1:
                visitor, at = previous[0], previous[1] + timedelta(seconds=rng.randint(20, 900))
            else:
                visitor = self.visitors[rng.randrange(len(self.visitors))]
                at = published + timedelta(seconds=int(rng.expovariate(1 / 28_800)))
            if at < self.span.until:
                host = rng.choices(hosts, weights)[0]
                self._click(batch, share_id, at, visitor, host, False)
            previous = visitor, at

    def _click(
        self,
        batch: Batch,
        share_id: int,
        at: datetime,
        visitor: str,
        host: str | None,
        bot: bool,
    ) -> None:
        hour = f"{at:%Y-%m-%dT%H}"
        key = hashlib.blake2b(f"{share_id}\n{visitor}\n{hour}".encode(), digest_size=16)
        batch.clicks.append((self.next_click, share_id, at, visitor, key.hexdigest(), host, bot))
        self.next_click += 1
