"""The synthetic company's people: departments, employees with their roles, certificates
(with the attempts and reading behind them) and connected network accounts."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2.low_level import hash_secret

from advocacy.services.passwords import _hasher
from bench.synthetic import DAY, HOUR, Span, between, days, long_tail, token
from connectors import linkedin, x

PASSWORD = "chorus-bench-password"  # every generated person's password
DOMAIN = "example.com"
# (name, weight): how many people each department has, relatively.
DEPARTMENTS = (
    ("Engineering", 22), ("Sales", 18), ("Customer Success", 10), ("Marketing", 8),
    ("Product", 7), ("Support", 9), ("Operations", 7), ("Finance", 5), ("People", 4),
    ("Legal", 2), ("Research", 5), ("Design", 3),
)  # fmt: skip
FIRST = (
    "Ada Alex Amir Ana Ben Bia Carla Chen Dana Diego Eli Emma Eva Farah Felix Gia Hana Hugo "
    "Ines Ivan Jae Jonas Kai Kemal Lena Leo Lina Luca Maya Mei Mona Nadia Nils Noor Omar Paula "
    "Priya Quinn Rafa Rosa Sam Sara Sofia Tariq Tom Uma Vera Wen Yara Yusuf Zoe Aiko Bruno "
    "Chidi Dmitri Elif Femi Greta Hiro Ilse"
).split()
LAST = (
    "Adams Berg Costa Dubois Eriksen Fischer Garcia Hansen Ito Jensen Kowalski Lindqvist "
    "Moreau Nakamura Okafor Petrov Quist Rossi Schmidt Tanaka Urban Varga Weber Xu Yilmaz "
    "Zhang Almeida Brandt Novak Demir Evans Fontaine Gupta Horvat Ibsen Janssen Kim Larsen "
    "Meyer Nowak Oliveira Park Reyes Shah Singh Tran Vogel Walsh Young Ziegler Becker Lin "
    "Kovacs Mensah Haddad Sato Ortiz Murphy Kaur Baptiste"
).split()
# Fixed logins for benchmarks and people trying the data: (email local part, roles).
LOGINS = (
    ("admin", ("admin",)),
    ("marketer", ("employee", "marketer")),
    ("executive", ("executive",)),
    ("employee", ("employee",)),
)


@dataclass(frozen=True)
class Person:
    id: int
    email: str
    name: str
    department_id: int
    roles: tuple[str, ...]
    active: bool
    created_at: datetime
    # Certificates held, oldest first: (issued_at, expires_at), each renewing the previous.
    certificates: tuple[tuple[datetime, datetime], ...] = ()

    def certified_from(self, until: datetime) -> datetime | None:
        """Since when this person has held a certificate without a break, up to `until`."""
        if not self.certificates or self.certificates[-1][1] <= until:
            return None
        return self.certificates[0][0]


@dataclass(frozen=True)
class Account:
    id: int
    user_id: int
    network: str
    handle: str
    display_name: str
    remote_id: str
    followers: int
    connected_at: datetime
    usable_until: datetime  # when it stopped working ("reconnect needed"), else the span's end
    status: str


def password_hash() -> str:
    """PASSWORD hashed with the app's Argon2 settings and a fixed salt, so runs match."""
    raw = hash_secret(
        PASSWORD.encode(),
        b"chorus-bench-salt",
        time_cost=_hasher.time_cost,
        memory_cost=_hasher.memory_cost,
        parallelism=_hasher.parallelism,
        hash_len=_hasher.hash_len,
        type=_hasher.type,
    )
    return raw.decode()


def make_people(rng: random.Random, count: int, span: Span, certified: float) -> list[Person]:
    """`count` people; about `certified` of them hold a current certificate."""
    names, weights = range(1, len(DEPARTMENTS) + 1), [w for _, w in DEPARTMENTS]
    marketers = max(2, count // 100)
    executives = max(1, count // 200)
    used: dict[str, int] = {}
    people = []
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if number <= len(LOGINS):
            local, roles = LOGINS[number - 1]
        else:
            base = f"{first}.{last}".lower()
            used[base] = used.get(base, 0) + 1
            local = base if used[base] == 1 else f"{base}{used[base]}"
            roles = ("employee",)
            if number <= len(LOGINS) + marketers - 1:
                roles = ("employee", "marketer")
            elif number <= len(LOGINS) + marketers + executives - 2:
                roles = ("executive",)
        active = number <= len(LOGINS) or rng.random() > 0.02
        created = span.until - days(rng.uniform(20, 1100))
        holds = number == 4 or (active and number > 3 and rng.random() < certified + 0.01)
        lapsed = active and not holds and rng.random() < 0.04
        people.append(
            Person(
                id=number,
                email=f"{local}@{DOMAIN}",
                name=f"{first} {last}",
                department_id=rng.choices(names, weights)[0],
                roles=roles,
                active=active,
                created_at=created,
                certificates=_certificates(rng, created, span, holds, lapsed),
            )
        )
    return people


def _certificates(
    rng: random.Random, created: datetime, span: Span, holds: bool, lapsed: bool
) -> tuple[tuple[datetime, datetime], ...]:
    """A current certificate issued within the last year (renewing an earlier one for
    many), or one that lapsed a while ago."""
    valid = timedelta(days=365)
    if lapsed:
        issued = span.until - days(rng.uniform(366, 520))
        return ((max(issued, created + DAY), max(issued, created + DAY) + valid),)
    if not holds:
        return ()
    issued = max(span.until - days(rng.uniform(1, 364)), created + DAY)
    issued = min(issued, span.until - HOUR)
    chain = [(issued, issued + valid)]
    while rng.random() < 0.8:  # renewed in the last month of the previous certificate
        previous = chain[0][0] - valid + days(rng.uniform(1, 30))
        if previous < created + DAY:
            break
        chain.insert(0, (previous, previous + valid))
        if previous < span.start:
            break
    return tuple(chain)


def make_accounts(
    rng: random.Random, people: list[Person], span: Span, connected: float
) -> list[Account]:
    """X and/or LinkedIn accounts for about `connected` of the certified; follower counts
    have a long tail (a few employees reach many people)."""
    accounts: list[Account] = []
    remote_ids: set[tuple[str, str]] = set()
    for person in people:
        since = person.certified_from(span.until)
        if since is None or not (person.id == 4 or rng.random() < connected):
            continue
        pick = 0.0 if person.id == 4 else rng.random()  # employee@: both, for trying things
        networks = ("linkedin", "x") if pick < 0.45 else ("linkedin",) if pick < 0.75 else ("x",)
        for network in networks:
            connected_at = between(rng, since, min(since + timedelta(days=30), span.until - HOUR))
            usable_until, status = span.until, "connected"
            if rng.random() < 0.02:
                usable_until = between(rng, connected_at, span.until)
                status = "reconnect needed"
            remote_id = _remote_account_id(rng, network, remote_ids)
            local = person.email.split("@")[0]
            accounts.append(
                Account(
                    id=len(accounts) + 1,
                    user_id=person.id,
                    network=network,
                    handle=local.replace(".", "_")[:15] if network == "x" else person.email,
                    display_name=person.name,
                    remote_id=remote_id,
                    followers=(
                        long_tail(rng, 180, 1.5, 2_000_000)
                        if network == "x"
                        else long_tail(rng, 450, 0.9, 60_000)
                    ),
                    connected_at=connected_at,
                    usable_until=usable_until,
                    status=status,
                )
            )
    return accounts


def _remote_account_id(rng: random.Random, network: str, taken: set[tuple[str, str]]) -> str:
    while True:
        if network == "x":
            value = str(rng.randrange(10**15, 10**19))
        else:
            value = token(rng, 8)[:10]
        if (network, value) not in taken:
            taken.add((network, value))
            return value


def account_rows(accounts: list[Account], span: Span) -> list[tuple]:
    """network_accounts rows; tokens are placeholder bytes (nothing calls a network)."""
    refreshed = span.until.replace(hour=4, minute=23, second=0, microsecond=0)
    refreshed -= DAY if refreshed > span.until else timedelta(0)
    scopes = {"x": list(x.SCOPES), "linkedin": list(linkedin.SCOPES)}
    rows = []
    for a in accounts:
        reason = None if a.status == "connected" else "The network refused the sign-in; reconnect."
        expires = span.until + (2 * HOUR if a.network == "x" else 30 * DAY)
        rows.append((
            a.id, a.user_id, a.network, a.remote_id, a.handle, a.display_name,
            a.followers, refreshed, b"synthetic access token",
            b"synthetic refresh token" if a.network == "x" else None,
            expires if a.status == "connected" else a.usable_until, scopes[a.network],
            a.status, reason, a.connected_at,
        ))  # fmt: skip
    return rows


ACCOUNT_COLUMNS = (
    "id", "user_id", "network", "remote_id", "handle", "display_name", "follower_count",
    "followers_updated_at", "access_token", "refresh_token", "token_expires_at", "scopes",
    "status", "status_reason", "connected_at",
)  # fmt: skip
USER_COLUMNS = (
    "id", "email", "name", "password_hash", "active", "session_token", "department_id",
    "created_at", "last_login_at", "leaderboard_opt_out",
)  # fmt: skip


def user_rows(rng: random.Random, people: list[Person], span: Span) -> list[tuple]:
    hashed = password_hash()
    rows = []
    for p in people:
        seen = between(rng, span.until - 60 * DAY, span.until) if rng.random() < 0.7 else None
        rows.append((
            p.id, p.email, p.name, hashed, p.active, token(rng), p.department_id,
            p.created_at, seen if p.active else None, rng.random() < 0.03,
        ))  # fmt: skip
    return rows


def role_rows(people: list[Person], role_ids: dict[str, int]) -> list[tuple]:
    return [(p.id, role_ids[name]) for p in people for name in p.roles]
