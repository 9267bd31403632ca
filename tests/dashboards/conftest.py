"""A small company whose dashboard figures are computed by hand in test_figures.py."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import Click, EngageAsk, Engagement, LatestMetric, NetworkAccount, Share
from advocacy.services import campaigns, content, rollups, settings
from dashboards.filters import Filters
from dashboards.metrics import MediaPrice
from tests.training.conftest import certify

TODAY = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
JUNE = Filters(start=date(2026, 6, 1), end=date(2026, 6, 30), preset="30d")
LABELS = {"linkedin": "LinkedIn", "x": "X"}
PRICES = {"x": MediaPrice(cpm=10.0, cpc=1.0), "linkedin": MediaPrice(cpm=20.0, cpc=2.0)}
_codes = itertools.count(1)


def _share(user, item, network, day, followers, status="published") -> Share:
    code = next(_codes)
    share = Share(
        user_id=user.id,
        content_item_id=item.id,
        network=network,
        text="text",
        status=status,
        scheduled_for=day,
        published_at=day if status == "published" else None,
        idempotency_key=f"key-{code}",
        link_code=f"code{code}",
        follower_count=followers,
    )
    db.session.add(share)
    db.session.flush()
    return share


def _figures(share, impressions, likes, comments, reshares) -> None:
    db.session.add(
        LatestMetric(
            share_id=share.id,
            read_at=TODAY,
            impressions=impressions,
            likes=likes,
            comments=comments,
            reshares=reshares,
        )
    )


def _clicks(share, visit_keys, bots=0) -> None:
    for n, key in enumerate(visit_keys + ["bot"] * bots):
        db.session.add(
            Click(
                share_id=share.id,
                clicked_at=share.scheduled_for + timedelta(hours=1),
                visitor=f"v{n}",
                visit_key=f"{share.id}-{key}",
                is_bot=key == "bot",
            )
        )


def _connect(user, network) -> None:
    db.session.add(
        NetworkAccount(
            user_id=user.id,
            network=network,
            remote_id=f"{user.id}-{network}",
            handle=user.name,
            access_token=b"sealed",
        )
    )


@pytest.fixture(params=["added up from the shares", "read from the rollups"])
def company(request, app, make_user, course, frozen_clock):
    """The company below; each test runs once on the figures added up from the shares
    themselves and once on the rollups (advocacy.services.rollups) worked out from them."""
    frozen_clock(datetime(2026, 4, 1, tzinfo=UTC))
    ann = make_user(name="Ann", department="Sales")
    bob = make_user(name="Bob", department="Engineering")
    cat = make_user(name="Cat", department="Engineering")
    make_user(name="Dan", department="Sales")
    eve = make_user(name="Eve", roles=("marketer",))
    for person in (ann, bob, cat):
        certify(person, course)
    _connect(ann, "x")
    _connect(bob, "linkedin")
    launch, stories = (
        campaigns.create_campaign(
            db.session, campaigns.CampaignInput(name, "", date(2026, 1, 1), None), eve
        )
        for name in ("Launch", "Stories")
    )
    a1 = _item(app, launch, eve, "A1")
    b1 = _item(app, stories, eve, "B1")
    june = lambda day: datetime(2026, 6, day, 10, tzinfo=UTC)  # noqa: E731
    s1 = _share(ann, a1, "x", june(10), 1000)
    _figures(s1, 2000, 30, 5, 5)
    _clicks(s1, ["a", "b", "c", "a"], bots=1)  # "a" twice in its hour: one visit
    s2 = _share(bob, a1, "linkedin", june(12), 500)
    _figures(s2, None, 10, 2, None)
    _clicks(s2, ["a", "b"])
    s3 = _share(ann, b1, "linkedin", june(20), 800)
    _figures(s3, 1000, 20, 0, 2)
    s4 = _share(bob, b1, "x", datetime(2026, 5, 15, 10, tzinfo=UTC), 500)
    _figures(s4, 1000, 10, 0, 0)
    _clicks(s4, ["a"])
    s5 = _share(ann, a1, "x", june(11), 1000, status="failed")
    _clicks(s5, ["a"])
    s6 = _share(bob, b1, "x", june(25), None)
    _clicks(s6, ["a"])
    ask = EngageAsk(
        network="x",
        post_url="https://x.com/acme/status/1",
        remote_post_id="1",
        actions=["like"],
        expires_at=june(30),
    )
    db.session.add(ask)
    db.session.flush()
    db.session.add(Engagement(ask_id=ask.id, user_id=bob.id, action="like", found_at=june(26)))
    db.session.commit()
    settings.put(
        db.session,
        "media_value",
        {"currency": "EUR", "x": {"cpm": 10.0, "cpc": 1.0}, "linkedin": {"cpm": 20.0, "cpc": 2.0}},
        None,
    )
    db.session.commit()
    frozen_clock(TODAY)
    if request.param == "read from the rollups":
        rollups.refresh(db.session, TODAY)
    return {"ann": ann, "bob": bob, "cat": cat, "launch": launch, "stories": stories}


def _item(app, campaign, author, title):
    data = content.ItemInput(
        campaign_id=campaign.id,
        url=f"https://example.com/{title}",
        title=title,
        summary="",
        captions={"x": "Look", "linkedin": "Look"},
        hashtags="",
        networks=["x", "linkedin"],
        department_ids=[],
        starts_at=clock.now(),
        expires_at=None,
    )
    return content.create_item(db.session, app.config, data, author)
