"""Crediting colleague engagement: ask the network who liked, commented on or reshared an
engage ask's post, and credit the certified colleagues among them. This is how Chorus
proves internal amplification."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, select
from sqlalchemy.orm import Session, selectinload

from advocacy import clock, crypto
from advocacy.models import EngageAsk, Engagement, NetworkAccount, User
from advocacy.models.networks import CONNECTED
from advocacy.services import budget, networks, operations
from advocacy.services.engage import ACTIONS, ended_after
from advocacy.upsert import insert_new
from connectors.base import AuthExpired, ConnectorError, Engager, Network, RateLimited
from training.gating import may_share

# What a network reports -> what Chorus credits (a quote on X is a reshare with words).
CREDITED = {"like": "like", "comment": "comment", "reshare": "reshare", "quote": "reshare"}
# An ask's post is still read this long after the ask ends: engagement trickles in.
CREDIT_AFTER_END = timedelta(days=2)

# Crediting colleagues -------------------------------------------------------------------


@dataclass
class EngagementReport:
    asks: int = 0  # open, or ended less than two days ago
    checked: int = 0  # of those, read from their network
    engagers: int = 0  # people the networks listed
    credited: int = 0  # new credits: one per ask, person and action, however often read
    problems: list[str] = field(default_factory=list)

    def headline(self) -> str:
        return (
            f"{self.credited} new colleague credit(s) on {self.checked} of {self.asks} "
            f"engage ask(s), {self.engagers} engager(s) read."
        )

    def summary(self) -> str:
        return "\n".join([self.headline()] + [f"  not checked: {p}" for p in self.problems])


class _NotRead(Exception):
    """The network could not say who engaged; the message is for the marketer."""


def credit_engagements(
    session: Session, connect: Callable[[str], Network], at: datetime | None = None
) -> EngagementReport:
    """One pass: ask the network who engaged with each ask's post and credit the colleagues
    who may share there. Each ask is committed on its own; credits are inserted only when
    new, so a second run or a second worker never counts one twice."""
    at = at or clock.now()
    report = EngagementReport()
    asks = list(
        session.scalars(
            select(EngageAsk).where(ended_after(at - CREDIT_AFTER_END)).order_by(EngageAsk.id)
        )
    )
    report.asks = len(asks)
    waiting: dict[str, str] = {}  # network -> why it is not asked again in this pass
    gate: dict[tuple[int, str], bool] = {}  # (user, network) -> may share, asked once a pass
    for ask in asks:
        problem = waiting.get(ask.network)
        if problem is None:
            try:
                found = _read(session, connect, ask)
            except RateLimited as error:
                problem = waiting[ask.network] = _wait_problem(ask.network, error)
            except _NotRead as error:
                problem = str(error)
            else:
                budget.count(session, ask.network, budget.USER_READ, len(found))
                report.credited += _credit(session, ask, found, at, gate)
                report.engagers += len(found)
                report.checked += 1
        ask.engagers_checked_at, ask.engagers_problem = at, problem[:500] if problem else None
        if problem:
            report.problems.append(f"ask {ask.id} on {networks.label(ask.network)}: {problem}")
        session.commit()
    operations.record_run(session, "colleague engagement", report.headline(), report.problems)
    return report


def _reader(session: Session, ask: EngageAsk) -> NetworkAccount | None:
    """The account to read with: the ask's creator's on that network if connected, else the
    most recently connected one of any active person."""
    creator_first = case((NetworkAccount.user_id == ask.created_by_id, 0), else_=1)
    return session.scalar(
        select(NetworkAccount)
        .join(User, User.id == NetworkAccount.user_id)
        .where(
            NetworkAccount.network == ask.network,
            NetworkAccount.status == CONNECTED,
            User.active.is_(True),
        )
        .order_by(creator_first, NetworkAccount.connected_at.desc(), NetworkAccount.id.desc())
        .limit(1)
    )


def _read(session: Session, connect: Callable[[str], Network], ask: EngageAsk) -> list[Engager]:
    """Who engaged with the ask's post. Raises RateLimited, or _NotRead with the reason."""
    label = networks.label(ask.network)
    account = _reader(session, ask)
    if account is None:
        raise _NotRead(f"Nobody has {label} connected in Chorus, so no account can read the post.")
    connector = connect(ask.network)
    try:
        tokens = networks.fresh_tokens(session, account, connector)
        return connector.engagers(tokens, ask.remote_post_id)
    except (AuthExpired, crypto.SecretUnreadable) as error:
        if account.status == CONNECTED:
            networks.mark_reconnect(session, account, str(error))
        raise _NotRead(
            f"The {label} account Chorus read with no longer works and its owner was asked to "
            "reconnect; the next check reads with another connected account, if there is one."
        ) from error
    except RateLimited:
        raise
    except ConnectorError as error:
        raise _NotRead(f"{label} could not say who engaged: {error}") from error


def _wait_problem(network: str, error: RateLimited) -> str:
    label = networks.label(network)
    if error.reset_at is None:
        return f"{label} asked Chorus to wait (rate limit); the next hourly check tries again."
    return (
        f"{label} asked Chorus to wait until {error.reset_at:%H:%M} UTC (rate limit); the "
        "next check after that tries again."
    )


def _credit(
    session: Session,
    ask: EngageAsk,
    found: list[Engager],
    at: datetime,
    gate: dict[tuple[int, str], bool],
) -> int:
    """Credit the engagers who are colleagues allowed to share on the network (strangers
    and uncertified people are left out); returns how many credits were new."""
    if not found:
        return 0
    ids = {engager.remote_id for engager in found}
    accounts = {
        account.remote_id: account
        for account in session.scalars(
            select(NetworkAccount)
            .where(NetworkAccount.network == ask.network, NetworkAccount.remote_id.in_(ids))
            .options(selectinload(NetworkAccount.user))
        )
    }
    rows: dict[tuple[int, str], dict] = {}
    for engager in found:
        account, action = accounts.get(engager.remote_id), CREDITED.get(engager.action)
        if account is None or action is None:
            continue
        key = (account.user_id, ask.network)
        if key not in gate:
            gate[key] = bool(may_share(account.user, ask.network, at))
        if gate[key]:
            rows[(account.user_id, action)] = {
                "ask_id": ask.id,
                "user_id": account.user_id,
                "action": action,
                "found_at": at,
            }
    # In key order, so two workers inserting the same credits lock them in the same order.
    ordered = [rows[key] for key in sorted(rows)]
    return insert_new(session, Engagement, ordered, ("ask_id", "user_id", "action"))


# Reading credits ------------------------------------------------------------------------


def credited(session: Session, ask_ids: Sequence[int]) -> dict[int, list[tuple[User, list[str]]]]:
    """Per ask, the colleagues credited and for what (like, comment, reshare), by name."""
    if not ask_ids:
        return {}
    rows = session.execute(
        select(Engagement.ask_id, Engagement.action, User)
        .join(User, User.id == Engagement.user_id)
        .where(Engagement.ask_id.in_(ask_ids))
        .order_by(Engagement.ask_id, User.name, User.id)
    )
    people: dict[int, dict[int, tuple[User, list[str]]]] = {}
    for ask_id, action, user in rows:
        people.setdefault(ask_id, {}).setdefault(user.id, (user, []))[1].append(action)
    return {
        ask_id: [(user, _in_order(actions)) for user, actions in by_user.values()]
        for ask_id, by_user in people.items()
    }


def credited_actions(session: Session, user: User, ask_ids: Sequence[int]) -> dict[int, list[str]]:
    """What `user` is credited for on each of `ask_ids` (asks without credit left out)."""
    if not ask_ids:
        return {}
    rows = session.execute(
        select(Engagement.ask_id, Engagement.action).where(
            Engagement.user_id == user.id, Engagement.ask_id.in_(ask_ids)
        )
    )
    found: dict[int, list[str]] = {}
    for ask_id, action in rows:
        found.setdefault(ask_id, []).append(action)
    return {ask_id: _in_order(actions) for ask_id, actions in found.items()}


def _in_order(actions: list[str]) -> list[str]:
    order = list(ACTIONS)
    return sorted(actions, key=lambda a: order.index(a) if a in order else len(order))


def in_words(actions: Sequence[str]) -> str:
    """["like", "comment", "reshare"] -> "like, comment and reshare"."""
    if len(actions) < 2:
        return "".join(actions)
    return f"{', '.join(actions[:-1])} and {actions[-1]}"
