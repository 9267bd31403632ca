"""Every page a person can reach logs no console error and throws nothing in the browser:
each role opens every GET route without arguments (from the app's URL map) and every page
those pages link to, one of each kind."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

ROLES = {
    "admin": "admin@example.com",
    "marketer": "marketer@example.com",
    "executive": "executive@example.com",
    "uncertified employee": "employee@example.com",
    "certified employee": "advocate@example.com",
}
# Not pages: files to download, the script bundle, the health check's JSON, uploads.
NOT_PAGES = re.compile(r"\.(csv|xlsx|js|css)$|^/(healthz|media/|static/|assets/)")
PER_ROLE = 80  # pages at most, so a growing app keeps this test quick


def routes_without_arguments(server) -> list[str]:
    """The GET rules of `flask routes` that need no argument."""
    found = []
    for line in server.flask("routes").splitlines()[2:]:
        _endpoint, methods, rule = re.split(r"\s{2,}", line.strip())
        if "GET" in methods.split(", ") and "<" not in rule and not NOT_PAGES.search(rule):
            found.append(rule)
    return sorted(set(found))


def kind_of(path: str) -> str:
    """Pages of one kind (/content/items/3 and /4, /certificates/CH-AJ64-VV9X and others)
    are visited once."""
    return re.sub(r"/[^/]*\d[^/]*(?=/|$)", "/<id>", path)


def links_on(page, origin: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != origin or parts.path.startswith("/s/"):
            continue  # other sites, and tracked links (they lead to other sites)
        if NOT_PAGES.search(parts.path):
            continue
        found.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


@pytest.mark.parametrize("role", ROLES)
def test_no_page_logs_a_console_error(role, journey, live_server):
    page = journey.as_user(ROLES[role])
    queue = routes_without_arguments(live_server)
    assert "/dashboards" in queue and "/feed" in queue
    seen: set[str] = set()
    visited: dict[str, int] = {}
    problems: list[str] = []
    while queue and len(visited) < PER_ROLE:
        target = queue.pop(0)
        kind = kind_of(urlsplit(target).path)
        if kind in seen:
            continue
        seen.add(kind)
        before = len(journey.errors)
        response = page.goto(target)
        assert response is not None
        visited[target] = response.status
        if response.status >= 500:
            problems.append(f"{target}: HTTP {response.status}")
        if page.locator("script[data-chart]").count():  # charts are drawn by deferred scripts
            page.locator(".chart-drawn svg.main-svg").first.wait_for()
        problems.extend(journey.errors[before:])
        if response.status < 400:
            queue.extend(links_on(page, live_server.base_url))
        journey.shot(page, kind.strip("/").replace("/", "-") or "home", full_page=False)
    journey.errors.clear()  # reported here, page by page
    assert len(visited) > 10
    assert not problems, "\n".join(problems)
