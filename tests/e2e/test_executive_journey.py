"""An executive reads what sharing is worth: the overview's charts, filters kept in the
address, a CSV download and one campaign's results."""

from __future__ import annotations

import csv
import io
import re

from playwright.sync_api import Locator, Page, expect

from tests.e2e.helpers import card, open_from_menu

CAMPAIGN = "Spring product launch"


def chosen(page: Page, label: str) -> Locator:
    return page.get_by_label(label, exact=True).locator("option:checked")


def test_executive_filters_the_dashboard_exports_and_opens_a_campaign(journey):
    executive = journey.as_user("executive@example.com")
    open_from_menu(executive, "Dashboards")
    expect(executive.get_by_role("heading", name="What sharing is worth")).to_be_visible()
    # plotly drew the charts (an SVG with its data), under the strict CSP.
    for chart in ("over-time", "networks", "content", "advocates"):
        expect(executive.locator(f"#chart-{chart} svg.main-svg").first).to_be_visible()
    expect(executive.locator("#chart-networks .trace.bars .point").first).to_be_visible()
    expect(card(executive, "Clicks").locator(".card-figure")).to_have_text(re.compile(r"^[1-9]"))
    # The chart's toolbar (styled by plotly through the CSSOM) makes a PNG, via a blob: image.
    chart = executive.locator("#chart-networks")
    chart.hover()
    png_button = chart.locator('.modebar-btn[data-title="Download plot as a PNG"]')
    expect(png_button).to_be_visible()
    journey.shot(executive, "overview")
    with executive.expect_download() as png:
        png_button.click()
    assert png.value.suggested_filename.endswith(".png")
    assert png.value.path().read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Filters: period, campaign, department and network, kept in the address.
    executive.get_by_label("Period", exact=True).select_option(label="Last 90 days")
    executive.get_by_label("Campaign", exact=True).select_option(label=CAMPAIGN)
    executive.get_by_label("Department", exact=True).select_option(label="Sales")
    executive.get_by_label("Network", exact=True).select_option(label="X")
    executive.get_by_role("button", name="Apply").click()
    expect(executive).to_have_url(re.compile(r"period=90d"))
    for name in ("campaign=\\d+", "department=\\d+", "network=x"):
        expect(executive).to_have_url(re.compile(name))
    expect(executive.get_by_text(re.compile(r"\(90 days\), compared with"))).to_be_visible()
    expect(executive.get_by_label("Campaign", exact=True).locator("option:checked")).to_have_text(
        CAMPAIGN
    )
    expect(executive.get_by_label("Network", exact=True).locator("option:checked")).to_have_text(
        "X"
    )
    networks = card(executive, "Engagement by network")
    networks.get_by_text("Show the numbers").click()
    expect(networks.get_by_role("row")).to_have_count(2)  # the header and X alone
    expect(networks.get_by_role("row").nth(1)).to_contain_text("X")
    journey.shot(executive, "overview-filtered")

    # A table as CSV: the download arrives, named for the period, with its header row.
    content = card(executive, "Top content")
    with executive.expect_download() as download_info:
        content.get_by_role("link", name="CSV").click()
    download = download_info.value
    assert re.fullmatch(
        r"chorus-content-\d{4}-\d\d-\d\d-to-\d{4}-\d\d-\d\d\.csv", download.suggested_filename
    )
    saved = journey.folder / download.suggested_filename
    download.save_as(saved)
    header, *rows = csv.reader(io.StringIO(saved.read_text(encoding="utf-8-sig")))
    assert header == [
        "item_id",
        "title",
        "shares",
        "potential_reach",
        "impressions",
        "engagements",
        "clicks",
    ]
    titles = {row[1] for row in rows}
    assert "Chorus Cloud is here" in titles  # the chosen campaign's items only
    assert "We are hiring senior engineers in Lisbon" not in titles

    # One campaign's results, with the same period.
    executive.get_by_role("link", name=f"Open {CAMPAIGN}").click()
    expect(executive.get_by_role("heading", level=1)).to_have_text(CAMPAIGN)
    expect(executive).to_have_url(re.compile(r"/dashboards/campaigns/\d+\?period=90d"))
    expect(executive.locator("#chart-over-time svg.main-svg").first).to_be_visible()
    items = card(executive, "Items")
    expect(items.get_by_role("row").filter(has_text="Chorus Cloud is here")).to_be_visible()
    journey.shot(executive, "campaign")
