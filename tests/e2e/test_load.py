"""A bounded load test on the real server: 50 concurrent clients for 30 seconds on the
tracked-link redirect and the employee feed, with no error, and every redirect served
counted as a click.

Each redirect comes from a visitor of its own: the click rule tells visitors apart by
address and browser, and every client here is 127.0.0.1, so each request carries a
browser-like User-Agent with a number of its own. Feed clients are signed in as the
demo's advocate. CHORUS_LOAD_CLIENTS and CHORUS_LOAD_SECONDS change the size; the
numbers are printed (requests/s, p50 and p95 latency per path).
"""

from __future__ import annotations

import itertools
import os
import re
import sqlite3
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

CLIENTS = int(os.environ.get("CHORUS_LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("CHORUS_LOAD_SECONDS", "30"))
FEED_SHARE = 4  # one request in FEED_SHARE is a feed page, the rest redirects
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64; visitor {n}) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
TIMEOUT = 30


@dataclass
class Tally:
    """What the clients saw; appended from many threads (list.append is atomic)."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"redirect": [], "feed": []})
    errors: list[str] = field(default_factory=list)
    redirects: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def served(self, kind: str, seconds: float) -> None:
        self.latencies[kind].append(seconds)
        if kind == "redirect":
            with self.lock:
                self.redirects += 1


def database(live_server) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{live_server.instance / 'chorus.db'}?mode=ro", uri=True)


def live_codes(live_server) -> list[tuple[str, str]]:
    """(code, the item's address) of every share whose tracked link is live."""
    with database(live_server) as connection:
        rows = connection.execute(
            "SELECT s.link_code, i.url FROM shares s JOIN content_items i "
            "ON i.id = s.content_item_id WHERE s.status = 'published' AND i.status != 'archived'"
        ).fetchall()
    return [(code, url) for code, url in rows]


def clicks_after(live_server, last_id: int) -> tuple[int, int]:
    """(click rows, clicks counted: distinct visits without bots) recorded after `last_id`."""
    with database(live_server) as connection:
        rows, counted = connection.execute(
            "SELECT COUNT(*), COUNT(DISTINCT CASE WHEN NOT is_bot THEN visit_key END) "
            "FROM clicks WHERE id > ?",
            (last_id,),
        ).fetchone()
    return rows, counted


def last_click_id(live_server) -> int:
    with database(live_server) as connection:
        return connection.execute("SELECT COALESCE(MAX(id), 0) FROM clicks").fetchone()[0]


def signed_in(live_server, user_agent: str) -> requests.Session:
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    page = session.get(live_server.url("/login"), timeout=TIMEOUT)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.text).group(1)
    done = session.post(
        live_server.url("/login"),
        data={"csrf_token": token, "email": "advocate@example.com", "password": "chorus-demo"},
        timeout=TIMEOUT,
    )
    assert done.status_code == 200 and "Sign out" in done.text, done.text[:500]
    return session


def client(
    live_server,
    number: int,
    feed: requests.Session,
    codes: list[tuple[str, str]],
    visitors: Callable[[], int],
    start: threading.Barrier,
    tally: Tally,
) -> None:
    links = requests.Session()
    start.wait()
    deadline = time.monotonic() + SECONDS
    for turn in itertools.count(number):
        if time.monotonic() >= deadline:
            break
        began = time.perf_counter()
        try:
            if turn % FEED_SHARE == 0:
                response = feed.get(live_server.url("/feed"), timeout=TIMEOUT)
                kind = "feed"
                ok = response.status_code == 200 and "Launch webinar" in response.text
            else:
                code, url = codes[turn % len(codes)]
                response = links.get(
                    live_server.url(f"/s/{code}"),
                    headers={"User-Agent": BROWSER.format(n=visitors())},
                    allow_redirects=False,
                    timeout=TIMEOUT,
                )
                kind = "redirect"
                ok = response.status_code == 302 and response.headers.get(
                    "Location", ""
                ).startswith(url.split("?")[0])
        except requests.RequestException as error:
            tally.errors.append(f"{type(error).__name__}: {error}")
            continue
        if not ok:
            tally.errors.append(f"{kind}: {response.status_code} {response.text[:200]!r}")
            continue
        tally.served(kind, time.perf_counter() - began)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def test_fifty_clients_for_thirty_seconds_get_no_error_and_every_redirect_counts(
    live_server, capsys
):
    codes = live_codes(live_server)
    assert codes, "the demo has published shares with live links"
    before = last_click_id(live_server)
    # One after the other: sign-ins of one email at the same time are throttled by design.
    feeds = [signed_in(live_server, BROWSER.format(n=f"feed-{n}")) for n in range(CLIENTS)]
    visitors = itertools.count(1).__next__  # shared by the threads; count() is atomic
    start = threading.Barrier(CLIENTS + 1)
    tally = Tally()
    threads = [
        threading.Thread(
            target=client,
            args=(live_server, n, feeds[n], codes, visitors, start, tally),
            daemon=True,
        )
        for n in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join(SECONDS + 120)
    elapsed = time.monotonic() - began

    served = sum(len(v) for v in tally.latencies.values())
    with capsys.disabled():
        print(
            f"\nload: {CLIENTS} clients, {elapsed:.1f} s, {served} requests, "
            f"{served / elapsed:.0f} requests/s, {len(tally.errors)} errors"
        )
        for kind, values in tally.latencies.items():
            print(
                f"  {kind}: {len(values)} ({len(values) / elapsed:.0f}/s), "
                f"p50 {percentile(values, 0.5) * 1000:.1f} ms, "
                f"p95 {percentile(values, 0.95) * 1000:.1f} ms, "
                f"max {max(values, default=0) * 1000:.1f} ms"
            )
    assert not any(thread.is_alive() for thread in threads)
    assert tally.errors == [], Counter(e[:80] for e in tally.errors).most_common(5)
    assert tally.redirects > CLIENTS and tally.latencies["feed"], "the load was applied"
    rows, counted = clicks_after(live_server, before)
    assert rows == tally.redirects  # every redirect served left its click
    assert counted == tally.redirects  # and each, a visitor of its own, counts once
    assert statistics.median(tally.latencies["redirect"]) < 1.0
