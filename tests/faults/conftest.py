"""Faults injected in the sandbox, without real waiting: the connectors' retry waits and the
sandbox's latency are recorded instead of slept, and the connector timeout is short."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import request
from sqlalchemy import select

from advocacy import clock
from advocacy.extensions import db
from advocacy.models import Share
from advocacy.services import networks, publishing
from tests.metrics.conftest import publish  # noqa: F401 (fixtures for this folder)
from tests.metrics.test_engagement import colleague  # noqa: F401
from tests.sharing import sandbox_state

TIMEOUT = 2.0  # seconds a connector waits for an answer here
SLOW = 5.0  # seconds of injected latency: beyond TIMEOUT


@pytest.fixture
def waits() -> Iterator[list[float]]:
    """Every wait a connector makes before trying a call again (clock.sleep), in order."""
    recorded: list[float] = []
    clock.set_sleep(recorded.append)
    yield recorded
    clock.set_sleep(None)


@pytest.fixture
def state(app):
    """The in-process sandbox, its latency recorded instead of slept, and the app's
    connector timeout at TIMEOUT."""
    sandbox = sandbox_state(app)
    sandbox.latencies = []
    sandbox.sleep = sandbox.latencies.append
    app.config["NETWORK_TIMEOUT_SECONDS"] = TIMEOUT
    return sandbox


@pytest.fixture
def slow_posts(state, monkeypatch) -> Callable[[str], None]:
    """Make only the network's "create a post" endpoint answer after SLOW seconds: the post
    is stored, the answer comes after the connector stopped waiting."""

    def slow(network: str) -> None:
        paths = {"x": "/x/2/tweets", "linkedin": "/linkedin/rest/posts"}
        original = state.delay

        def delay(name: str) -> float:
            if name == network and request.method == "POST" and request.path == paths[network]:
                state.sleep(SLOW)
                return SLOW
            return original(name)

        monkeypatch.setattr(state, "delay", delay)

    return slow


def all_shares() -> list[Share]:
    db.session.expire_all()
    return list(db.session.scalars(select(Share).order_by(Share.id)))


def publish_due(app) -> int:
    return publishing.publish_due(db.session, app.config, networks.connectors_of(app))
