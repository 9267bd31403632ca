"""Fixtures for tracked links: a share published through the sandbox."""

from __future__ import annotations

import pytest

from advocacy.extensions import db
from advocacy.services import shares


@pytest.fixture
def published(app, client, sharer, make_item):
    """A share published to X of an item whose address has its own query and fragment."""
    item = make_item(url="https://example.com/blog/launch?ref=home&utm_source=spoof#top")
    (share,) = shares.create_shares(db.session, app.config, sharer, item.id, {"x": "Look"}, None)
    from advocacy.services import networks, publishing

    publishing.publish(db.session, app.config, share, networks.connectors_of(app))
    assert share.status == "published"
    return share
