"""Publishing through the sandbox and running the metric sync, for the metric tests."""

from __future__ import annotations

import pytest

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import Share
from advocacy.services import metrics, networks, publishing, shares


@pytest.fixture
def publish(app, sharer, make_item):
    """Publish one share per network of a new item; returns the shares."""

    def go(captions=None) -> list[Share]:
        item = make_item(f"Item {clock.now().timestamp()}")
        created = shares.create_shares(
            db.session,
            app.config,
            sharer,
            item.id,
            captions or {"x": "Look", "linkedin": "Look"},
            None,
        )
        for share in created:
            publishing.publish(db.session, app.config, share, networks.connectors_of(app))
        return created

    return go


@pytest.fixture
def publish_as(app, make_item):
    """Publish a new item as `user`, one share per network captioned."""

    def go(user, captions) -> list[Share]:
        item = make_item(f"Item {clock.now().timestamp()} {user.id}")
        created = shares.create_shares(db.session, app.config, user, item.id, captions, None)
        for share in created:
            publishing.publish(db.session, app.config, share, networks.connectors_of(app))
        return created

    return go


def sync(app) -> metrics.SyncReport:
    return metrics.sync_metrics(db.session, app.config, networks.connectors_of(app))
