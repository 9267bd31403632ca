"""Every registered network keeps the Protocol's promises, against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.base import Capability, Network, Tokens, network_classes
from connectors.sandbox import create_sandbox
from connectors.sandbox.state import SandboxState
from connectors.sandbox.transport import LINKEDIN_ROUTES, X_ROUTES, mount_sandbox
from connectors.settings import NetworkSettings

SCOPES = {
    "x": ("tweet.read", "tweet.write", "users.read", "like.read", "offline.access"),
    "linkedin": ("openid", "profile", "email", "w_member_social"),
}


@pytest.fixture(params=sorted(network_classes()))
def network(request):
    moment = [datetime(2026, 11, 1, 9, 0, tzinfo=UTC)]
    state = SandboxState(now=lambda: moment[0])
    sandbox = create_sandbox(state)
    routes = {**X_ROUTES, **LINKEDIN_ROUTES}
    settings = NetworkSettings(
        client_id="contract",
        client_secret="secret",
        authorize_url="",
        retries=0,
        mount=lambda session: mount_sandbox(session, sandbox, routes=routes),
        now=lambda: moment[0],
    )
    connector = network_classes()[request.param](settings)
    token = state.issue_access_token(request.param, "contract_user", SCOPES[request.param])
    return connector, Tokens(token), moment


def test_it_is_a_network(network):
    connector, _tokens, _moment = network
    assert isinstance(connector, Network)
    assert connector.capabilities.available


def test_profile_publish_and_metrics_that_grow(network):
    connector, tokens, moment = network
    profile = connector.profile(tokens)
    assert profile.remote_id and profile.handle

    post = connector.publish(
        tokens, "Proud of our team #employee", "share-1", link="https://chorus.example/l/abc"
    )
    [at_publish] = connector.metrics(tokens, [post.remote_id])
    moment[0] += timedelta(minutes=90)  # within the X token's two hours
    [later] = connector.metrics(tokens, [post.remote_id])

    assert at_publish.remote_id == post.remote_id
    if Capability.PUBLIC_METRICS in connector.capabilities.available:
        assert later.impressions is not None and later.impressions > (at_publish.impressions or 0)
        assert later.likes >= (at_publish.likes or 0)


def test_engagers_or_a_clear_reason(network):
    connector, tokens, moment = network
    post = connector.publish(tokens, "Engage with this #employee", "share-2")
    moment[0] += timedelta(minutes=90)
    if Capability.ENGAGERS in connector.capabilities.available:
        assert isinstance(connector.engagers(tokens, post.remote_id), list)
    else:
        assert Capability.ENGAGERS in connector.capabilities.missing


def test_a_published_post_is_found_by_its_link_and_another_link_is_not(network):
    connector, tokens, _moment = network
    link = "https://chorus.example/s/findme123"
    post = connector.publish(tokens, "Found again #employee", "share-2", link=link)
    connector.publish(tokens, "Another one #employee", "share-3", link=link + "x")

    found = connector.find_post(tokens, link)

    assert found is not None and found.remote_id == post.remote_id and found.url == post.url
    assert connector.find_post(tokens, "https://chorus.example/s/never0000") is None
