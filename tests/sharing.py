"""Fixtures for content and sharing, for every test folder (a plugin named in
tests/conftest.py): a certified employee with connected sandbox accounts, and live items
built through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import Campaign, ContentItem, LexiconTerm, User
from advocacy.services import campaigns, content
from tests.networks.test_connect import connect
from tests.training.conftest import certify, import_folder, write_course


@pytest.fixture
def course(app, tmp_path):
    return import_folder(write_course(tmp_path / "course"))


@pytest.fixture
def marketer(make_user) -> User:
    return make_user("mona@example.com", name="Mona Marketer", roles=("marketer",))


@pytest.fixture
def campaign(app, marketer) -> Campaign:
    return campaigns.create_campaign(
        db.session,
        campaigns.CampaignInput(
            name="Spring launch", goal="Reach", starts_on=clock.now().date(), ends_on=None
        ),
        marketer,
    )


@pytest.fixture
def make_item(app: Flask, campaign, marketer, make_user) -> Callable[..., ContentItem]:
    """A live (approved, started) item unless told otherwise."""
    approver = make_user("approver@example.com", roles=("marketer",))

    def make(title: str = "Chorus Cloud is here", live: bool = True, **fields) -> ContentItem:
        data = {
            "campaign_id": campaign.id,
            "url": "https://example.com/blog/launch?ref=home",
            "title": title,
            "summary": "The launch story.",
            "captions": {"x": f"{title}: have a look", "linkedin": f"{title}. Proud of it."},
            "hashtags": "#launch",
            "networks": ["x", "linkedin"],
            "department_ids": [],
            "starts_at": clock.now() - timedelta(hours=1),
            "expires_at": clock.now() + timedelta(days=7),
            **fields,
        }
        item = content.create_item(db.session, app.config, content.ItemInput(**data), marketer)
        if live:
            content.submit(db.session, item, marketer)
            content.approve(db.session, item, approver)
        return item

    return make


@pytest.fixture
def sharer(app, client, login_as, course) -> User:
    """A certified employee, signed in, with X and LinkedIn connected through the sandbox."""
    user = login_as("employee")
    certify(user, course)
    assert connect(client, "x", handle="ann_on_x").status_code == 303
    assert connect(client, "linkedin", handle="ann_lee").status_code == 303
    return user


def add_term(term: str, severity: str = "blocked", category: str = "test") -> None:
    db.session.add(LexiconTerm(term=term, severity=severity, category=category))
    db.session.commit()


def sandbox_state(app: Flask):
    return app.extensions["chorus_sandbox"].config["SANDBOX_STATE"]
