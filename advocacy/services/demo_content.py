"""Demo content: campaigns, items, an engage ask, sandbox accounts for the sharers and a few
weeks of past shares, so every page has something true to show on first start."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from advocacy import clock, compliance
from advocacy.models import Campaign, ContentItem, EngageAsk, NetworkAccount, Share, User
from advocacy.models.content import APPROVED, DRAFT, IN_REVIEW
from advocacy.models.shares import PUBLISHED
from advocacy.services import archive, clicks, content, lexicon, networks
from advocacy.services.accounts import find_by_email
from advocacy.services.users import department_named
from connectors import linkedin, x
from connectors.base import Tokens
from training.gating import may_share

# Who shares in the demo: they get sandbox accounts on both networks.
SHARERS = (
    "advocate@example.com",
    "priya.shah@example.com",
    "tom.becker@example.com",
    "mei.lin@example.com",
)
CAMPAIGNS = (
    (
        "Spring product launch",
        "Make the launch of Chorus Cloud the most-seen news of the quarter.",
        35,
    ),
    ("Engineering hiring", "Bring in senior engineers through colleagues' networks.", 28),
    ("Customer stories", "Show what customers achieve with our products.", 21),
)
# (campaign, title, url, days since start, days live, status, departments)
ITEMS = (
    (
        "Spring product launch",
        "Chorus Cloud is here",
        "https://example.com/blog/chorus-cloud",
        30,
        60,
        APPROVED,
        (),
    ),
    (
        "Spring product launch",
        "Launch webinar: see Chorus Cloud in action",
        "https://example.com/events/launch-webinar",
        20,
        40,
        APPROVED,
        (),
    ),
    (
        "Engineering hiring",
        "We are hiring senior engineers in Lisbon",
        "https://example.com/careers/senior-engineer",
        25,
        45,
        APPROVED,
        ("Engineering", "People"),
    ),
    (
        "Customer stories",
        "How Northwind cut onboarding time in half",
        "https://example.com/customers/northwind",
        14,
        30,
        APPROVED,
        (),
    ),
    (
        "Customer stories",
        "Case study: Contoso's first year",
        "https://example.com/customers/contoso",
        40,
        10,
        APPROVED,
        (),
    ),
    (
        "Spring product launch",
        "Chorus Cloud pricing explained",
        "https://example.com/blog/pricing",
        -2,
        30,
        IN_REVIEW,
        (),
    ),
    (
        "Customer stories",
        "Fabrikam story (draft)",
        "https://example.com/customers/fabrikam",
        0,
        30,
        DRAFT,
        (),
    ),
)
CAPTIONS = {
    "x": "{title}. Proud of the team behind this!",
    "linkedin": "{title}.\n\nI'm proud of what my colleagues built; "
    "have a look and tell me what you think.",
}
HASHTAGS = ["#ChorusCloud"]
# What the demo sharers do with the engage ask's post, first and second: what the network's
# API can list (LinkedIn does not list who reshared).
ASK_ENGAGEMENT = {
    "x": (("like",), ("like", "reshare")),
    "linkedin": (("like",), ("like", "comment")),
}
CLIENT = "chorus-sandbox"  # the client id services.networks gives sandbox connectors
SCOPES = {"x": x.SCOPES, "linkedin": linkedin.SCOPES}


def sandbox_handle(user: User) -> str:
    """The demo person's name in the sandbox: priya.shah@example.com -> priya_shah."""
    return user.email.split("@")[0].replace(".", "_")


def seed_content(session: Session, app: Flask, marketer: User, admin: User) -> bool:
    """Add the demo content once (skipped when the first demo campaign exists)."""
    if session.scalar(select(Campaign.id).where(Campaign.name == CAMPAIGNS[0][0])):
        return False
    now = clock.now()
    campaigns = {}
    for name, goal, days_ago in CAMPAIGNS:
        campaigns[name] = Campaign(
            name=name,
            goal=goal,
            starts_on=(now - timedelta(days=days_ago)).date(),
            ends_on=date(now.year, 12, 31),
            utm_campaign=name.lower().replace(" ", "-"),
            created_by_id=marketer.id,
        )
        session.add(campaigns[name])
    session.flush()
    items = []
    for campaign, title, url, started, days_live, status, departments in ITEMS:
        start = (now - timedelta(days=started)).replace(minute=0, second=0, microsecond=0)
        item = ContentItem(
            campaign_id=campaigns[campaign].id,
            url=url,
            title=title,
            summary=f"{title}: the story in two minutes.",
            captions={n: c.format(title=title) for n, c in CAPTIONS.items()},
            hashtags=HASHTAGS,
            networks=list(networks.NETWORKS),
            starts_at=start,
            expires_at=start + timedelta(days=days_live),
            status=status,
            created_by_id=marketer.id,
            submitted_by_id=marketer.id if status != DRAFT else None,
            approved_by_id=admin.id if status == APPROVED else None,
            approved_at=start if status == APPROVED else None,
            departments=[department_named(session, d) for d in departments],
        )
        session.add(item)
        items.append(item)
    session.flush()
    for item in items:
        content._keep_revision(session, item, marketer)
    ask = EngageAsk(
        network="linkedin",
        post_url="https://www.linkedin.com/feed/update/urn:li:activity:7260000000000000001/",
        remote_post_id="urn:li:activity:7260000000000000001",
        actions=["like", "reshare"],
        message="Our launch announcement is up: a like or a reshare helps it travel.",
        campaign_id=campaigns["Spring product launch"].id,
        created_by_id=marketer.id,
        expires_at=now + timedelta(days=10),
    )
    session.add(ask)
    accounts = connect_sandbox_accounts(session, app)
    state = app.extensions["chorus_sandbox"].config["SANDBOX_STATE"] if accounts else None
    _past_shares(session, app.config, state, items, accounts)
    if state is not None:
        _colleagues_engage(session, state, ask, accounts)
    session.commit()
    return True


def connect_sandbox_accounts(session: Session, app: Flask) -> dict[int, dict[str, NetworkAccount]]:
    """Sandbox X and LinkedIn accounts for the demo sharers (only where the sandbox is used)."""
    sandbox = app.extensions.get("chorus_sandbox")
    result: dict[int, dict[str, NetworkAccount]] = {}
    if sandbox is None:
        return result
    state = sandbox.config["SANDBOX_STATE"]
    for email in SHARERS:
        user = find_by_email(session, email)
        if user is None:
            continue
        for network in networks.NETWORKS:
            if not networks.uses_sandbox(app.config, network):
                continue
            account = networks.account_of(session, user, network)
            if account is None:
                handle = sandbox_handle(user)
                scopes = SCOPES[network]
                token = state.issue_access_token(
                    network, handle, scopes, client_id="chorus-sandbox"
                )
                refresh = (
                    state.issue_refresh_token(handle, scopes, CLIENT) if network == "x" else None
                )
                tokens = Tokens(token, refresh, state.tokens[token].expires_at, scopes)
                profile = networks.connectors_of(app)(network).profile(tokens)
                account = NetworkAccount(
                    user_id=user.id,
                    network=network,
                    remote_id=profile.remote_id,
                    handle=profile.handle,
                    display_name=profile.display_name,
                    follower_count=profile.follower_count,
                    followers_updated_at=clock.now(),
                )
                networks.store_tokens(account, tokens)
                session.add(account)
            result.setdefault(user.id, {})[network] = account
    session.flush()
    return result


def _colleagues_engage(
    session: Session, state, ask: EngageAsk, accounts: dict[int, dict[str, NetworkAccount]]
) -> None:
    """The first two demo sharers certified for the ask's network engage with its post in the
    sandbox (what each does is in ASK_ENGAGEMENT), so the first crediting pass has
    colleagues to credit and the advocate's feed thanks them."""
    doing = iter(ASK_ENGAGEMENT[ask.network])
    for user_id, by_network in sorted(accounts.items()):
        user = session.get(User, user_id)
        if ask.network not in by_network or not may_share(user, ask.network):
            continue
        actions = next(doing, None)
        if actions is None:
            return
        for action in actions:
            state.engage(ask.network, ask.remote_post_id, sandbox_handle(user), action)


def _past_shares(
    session: Session,
    config: Mapping,
    state,
    items: list[ContentItem],
    accounts: dict[int, dict[str, NetworkAccount]],
) -> None:
    """Shares published over the past weeks, posted into the sandbox with their real dates.
    The newest live item is left unshared by the advocate, to share in the demo."""
    rules = lexicon.rules(session, config)
    now = clock.now()
    live = [i for i in items if i.status == APPROVED]
    advocate = find_by_email(session, SHARERS[0])
    for n, (user_id, by_network) in enumerate(sorted(accounts.items())):
        user = session.get(User, user_id)
        for m, item in enumerate(live):
            if user_id == advocate.id and item is live[1]:
                continue
            for network, account in by_network.items():
                outside = item.departments and user.department not in item.departments
                if (n + m) % 3 == 2 or outside:
                    continue
                published = min(
                    item.starts_at + timedelta(days=1 + (n * 3 + m) % 9, hours=n),
                    now - timedelta(hours=2),
                )
                post = state.add_post(network, sandbox_handle(user), "", created_at=published)
                _published_share(session, config, rules, item, account, post, published)


def _published_share(
    session: Session,
    config: Mapping,
    rules: compliance.Rules,
    item: ContentItem,
    account: NetworkAccount,
    post,
    published: datetime,
) -> None:
    network = account.network
    post.text = compliance.screen(content.suggested_text(item, network), network, rules).text
    share = Share(
        user_id=account.user_id,
        content_item_id=item.id,
        network=network,
        text=post.text,
        status=PUBLISHED,
        scheduled_for=published,
        published_at=published,
        idempotency_key=uuid.uuid4().hex,
        link_code=secrets.token_urlsafe(8),
        follower_count=account.follower_count,
        flags=[],
        created_at=published,
    )
    share.user, share.item = account.user, item
    if network == "x":
        share.remote_id, share.remote_url = post.id, f"https://x.com/i/web/status/{post.id}"
    else:
        urn = f"urn:li:share:{post.id}"
        share.remote_id, share.remote_url = urn, f"https://www.linkedin.com/feed/update/{urn}/"
    session.add(share)
    session.flush()
    archive.record(session, share, account, f"{config['BASE_URL']}/s/{share.link_code}")
    _visits(session, config, share)


def _visits(session: Session, config: Mapping, share: Share) -> None:
    """A few people (and the network's link-preview bot) following the share's link."""
    key = clicks.hashing_key(config["SECRET_KEY"])
    referrer = "https://t.co/" if share.network == "x" else "https://www.linkedin.com/"
    agents = ["Twitterbot/1.0" if share.network == "x" else "LinkedInBot/1.0"]
    agents += ["Mozilla/5.0 (demo visitor)"] * (share.id * 7 % 11)
    for n, agent in enumerate(agents):
        at = share.published_at + timedelta(minutes=5 + n * 97)
        if at < clock.now():
            clicks.record_click(
                session,
                key,
                share.id,
                address=f"198.51.100.{n}",
                user_agent=agent,
                referrer=referrer,
                at=at,
            )
