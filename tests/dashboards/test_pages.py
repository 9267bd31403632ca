"""The dashboard pages as their readers see them: the overview with its filters in the
URL, exports with the page's numbers, the campaign page, an employee's own page and the
leaderboard choice, the monthly summary, media prices, and who may open what."""

from __future__ import annotations

import html
import io
import json
import re

import pandas as pd
import pytest

from advocacy.extensions import db
from advocacy.models import User
from advocacy.services import settings
from dashboards.static import plotly_stylesheets
from tests.conftest import post_form, sign_in


def text(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def reader(app, client, make_user):
    """Sign the client in as a new user with `roles`."""

    def sign(*roles: str) -> User:
        user = make_user(roles=roles)
        sign_in(client, user.email)
        return user

    return sign


def test_the_overview_shows_the_periods_headline_and_its_change(company, client, reader):
    reader("executive")

    page = client.get("/dashboards?period=30d")

    assert page.status_code == 200
    shown = text(page)
    assert "Impressions 3,000 ▲ 200.0%" in shown  # 3,000 against May's 1,000
    assert "Clicks 6" in shown and "Active advocates 2" in shown
    assert "Earned media value EUR 48.00" in shown
    assert "2 of 3 certified shared" in shown and "3 of 4 employees" in shown


def test_every_chart_is_drawn_from_json_and_its_numbers_are_on_the_page(company, client, reader):
    reader("executive")

    body = client.get("/dashboards?period=30d").get_data(as_text=True)

    found = r'<script type="application/json" data-chart="([^"]+)">(.*?)</script>'
    charts = re.findall(found, body)
    assert {name for name, _ in charts} == {
        "chart-over-time", "chart-networks", "chart-content", "chart-advocates",
        "chart-departments", "chart-funnel",
    }  # fmt: skip
    for _, figure in charts:
        assert json.loads(figure)["data"]
    assert "/assets/plotly.min.js" in body  # drawn by the plotly.js of the installed package


def test_filters_in_the_url_change_every_figure_consistently(company, client, reader):
    reader("marketer")
    launch = company["launch"].id

    shown = text(client.get(f"/dashboards?period=30d&campaign={launch}&network=x"))

    assert "Impressions 2,000" in shown and "Clicks 3" in shown  # s1 only
    assert "Active advocates 1" in shown
    export = client.get(f"/dashboards/export/networks.csv?period=30d&campaign={launch}&network=x")
    frame = pd.read_csv(io.BytesIO(export.data))
    assert list(frame.network) == ["X"] and list(frame.impressions) == [2000]


def test_a_period_with_no_shares_says_so_instead_of_drawing_empty_axes(company, client, reader):
    reader("executive")

    body = client.get("/dashboards?period=custom&start=2024-01-01&end=2024-01-31")

    assert body.status_code == 200
    assert "No shares yet in this period" in text(body)
    assert 'data-chart="chart-over-time"' not in body.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("period=forever", "Unknown period"),
        ("period=custom&start=2026-13-01&end=2026-06-30", "Give the start date as YYYY-MM-DD"),
        ("period=custom&start=2026-06-30&end=2026-06-01", "must start on or before"),
        ("period=custom&start=2010-01-01&end=2026-06-30", "three years or less"),
        ("network=myspace", "Unknown network"),
        ("campaign=abc", "Unknown campaign"),
        ("department=%F0%9F%92%A5", "Unknown department"),
    ],
)
def test_bad_filters_get_a_clear_400(company, client, reader, query, message):
    reader("executive")

    response = client.get(f"/dashboards?{query}")

    assert response.status_code == 400
    assert message in text(response)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_exports_hold_the_same_numbers_as_the_page(company, client, reader, kind):
    reader("executive")

    response = client.get(f"/dashboards/export/content.{kind}?period=30d")

    assert response.status_code == 200
    name = f"chorus-content-2026-06-01-to-2026-06-30.{kind}"
    assert name in response.headers["Content-Disposition"]
    read = pd.read_csv if kind == "csv" else pd.read_excel
    frame = read(io.BytesIO(response.data))
    assert list(frame.title) == ["A1", "B1"]
    assert list(frame.engagements) == [57, 23]


def test_an_unknown_export_is_a_404(company, client, reader):
    reader("executive")

    assert client.get("/dashboards/export/salaries.csv").status_code == 404


def test_the_campaign_page_shows_that_campaigns_items(company, client, reader):
    reader("marketer")

    shown = text(client.get(f"/dashboards/campaigns/{company['launch'].id}?period=30d"))

    assert "Launch" in shown and "A1" in shown and "B1" not in shown
    assert "Impressions 2,000" in shown and "Clicks 5" in shown
    assert client.get("/dashboards/campaigns/999999").status_code == 404


def test_an_employee_sees_their_own_results_and_the_leaderboard(company, client):
    sign_in(client, company["bob"].email)

    shown = text(client.get("/dashboards/me?period=30d"))

    assert "Points 28" in shown and "Shares 2" in shown and "Engage credits 1" in shown
    assert "1 Bob 2 1 3 28" in shown and "2 Ann 2 0 3 23" in shown


def test_leaving_the_leaderboard_takes_effect_for_everyone(company, client, make_user):
    sign_in(client, company["ann"].email)

    response = post_form(client, "/dashboards/me/leaderboard", {"choice": "leave"})

    assert response.status_code == 303
    db.session.refresh(company["ann"])
    assert company["ann"].leaderboard_opt_out is True
    shown = text(client.get("/dashboards/me?period=30d"))
    assert "You left the leaderboard" in shown and "2 Ann" not in shown
    post_form(client, "/dashboards/me/leaderboard", {"choice": "join"})
    assert "2 Ann 2 0 3 23" in text(client.get("/dashboards/me?period=30d"))


def test_the_monthly_summary_is_a_printable_page(company, client, reader):
    reader("executive")

    page = client.get("/dashboards/summary?month=2026-06")

    assert page.status_code == 200
    shown = text(page)
    assert "Employee advocacy, June 2026" in shown and "Impressions 3,000" in shown
    assert 'class="printable"' in page.get_data(as_text=True)
    assert client.get("/dashboards/summary?month=June").status_code == 400


def test_the_admin_sets_media_prices_and_bad_ones_are_refused(company, client, reader):
    reader("admin")
    form = {"currency": "usd", "cpm-x": "5", "cpc-x": "0.5"}
    form |= {"cpm-linkedin": "0", "cpc-linkedin": "0"}

    assert post_form(client, "/dashboards/media-value", form).status_code == 303
    assert settings.get(db.session, "media_value")["x"] == {"cpm": 5.0, "cpc": 0.5}
    assert "Earned media value USD 12.00" in text(client.get("/dashboards?period=30d"))

    refused = post_form(client, "/dashboards/media-value", form | {"cpm-x": "-1"})
    assert refused.status_code == 400
    assert settings.get(db.session, "media_value")["x"] == {"cpm": 5.0, "cpc": 0.5}
    bad_currency = post_form(client, "/dashboards/media-value", form | {"currency": "€€"})
    assert bad_currency.status_code == 400


@pytest.mark.parametrize(
    ("roles", "path", "status"),
    [
        (("employee",), "/dashboards", 403),
        (("employee",), "/dashboards/export/content.csv", 403),
        (("employee",), "/dashboards/summary", 403),
        (("executive",), "/dashboards/me", 403),
        (("executive",), "/dashboards/media-value", 403),
        (("marketer",), "/dashboards/media-value", 403),
        (("executive",), "/dashboards", 200),
        (("marketer",), "/dashboards", 200),
        (("admin",), "/dashboards", 200),
        (("employee",), "/dashboards/me", 200),
    ],
)
def test_who_may_open_which_dashboard(company, client, reader, roles, path, status):
    reader(*roles)

    assert client.get(path).status_code == status


def test_titles_and_names_in_charts_are_inert(company, client, reader):
    company["ann"].name = "</script><script>alert(1)</script>"
    db.session.commit()
    reader("executive")

    body = client.get("/dashboards?period=30d").get_data(as_text=True)

    assert "<script>alert(1)</script>" not in body


def test_only_dashboard_pages_relax_the_content_security_policy_for_plotly(client, reader):
    reader("executive")

    dashboard = client.get("/dashboards").headers["Content-Security-Policy"]
    home = client.get("/").headers["Content-Security-Policy"]

    assert "style-src 'self' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='" in dashboard
    assert "img-src 'self' data: blob:" in dashboard and "script-src 'self';" in dashboard
    assert "sha256" not in home and "blob:" not in home


def directives(policy: str) -> dict[str, list[str]]:
    return {name: values for name, *values in (part.split() for part in policy.split(";"))}


@pytest.mark.parametrize("path", ["/dashboards", "/dashboards/campaigns/{campaign}"])
def test_chart_pages_allow_no_inline_script_or_style_but_plotlys_empty_one(
    path, company, client, reader
):
    reader("executive")

    response = client.get(path.format(campaign=company["launch"].id))
    policy = directives(response.headers["Content-Security-Policy"])

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == [
        "'self'",
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='",
    ]
    assert "style-src-elem" not in policy and "style-src-attr" not in policy
    assert not any("unsafe" in value for values in policy.values() for value in values)


@pytest.mark.parametrize("path", ["/dashboards", "/dashboards/campaigns/{campaign}"])
def test_chart_pages_link_the_styles_plotly_would_inject_inline(path, company, client, reader):
    """plotly.js skips its inline <style> when an element with the stylesheet's id exists."""
    reader("executive")

    body = client.get(path.format(campaign=company["launch"].id)).get_data(as_text=True)

    for sheet in plotly_stylesheets():
        link = f'<link rel="stylesheet" id="{sheet.element_id}" href="/assets/plotly/'
        assert link in body
        assert body.index(link) < body.index("/assets/plotly.min.js")


def test_rates_change_in_percentage_points(company, client, reader):
    reader("executive")

    shown = text(client.get("/dashboards?period=30d"))

    # Participation: 2 of 3 certified in June against 1 of 3 in May.
    assert "Participation 66.7% ▲ 33.3 pts" in shown
    assert "Certification coverage 75.0% no change" in shown


def test_the_overview_says_how_fresh_its_totals_are(company, client, reader, request):
    reader("executive")

    shown = text(client.get("/dashboards?period=30d"))

    if "rollups" in request.node.callspec.params["company"]:
        assert "Figures as of 30 Jun 2026, 12:00 UTC" in shown
    else:  # never rolled up: added up from the shares, current
        assert "Figures as of" not in shown


def test_a_campaign_page_says_how_fresh_its_totals_are(company, client, reader, request):
    reader("executive")

    shown = text(client.get(f"/dashboards/campaigns/{company['launch'].id}?period=30d"))

    if "rollups" in request.node.callspec.params["company"]:
        assert "Totals and charts as of 30 Jun 2026, 12:00 UTC" in shown
    else:
        assert "as of" not in shown


def test_an_executive_filtering_by_a_campaign_can_open_its_page(company, client, reader):
    reader("executive")
    launch = company["launch"]

    everything = client.get("/dashboards?period=90d").get_data(as_text=True)
    one = client.get(f"/dashboards?period=90d&campaign={launch.id}").get_data(as_text=True)

    link = f'href="/dashboards/campaigns/{launch.id}?period=90d">Open Launch</a>'
    assert link in one and "/dashboards/campaigns/" not in everything
    assert client.get(f"/dashboards/campaigns/{launch.id}?period=90d").status_code == 200
