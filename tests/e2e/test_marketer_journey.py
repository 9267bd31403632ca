"""A marketer launches a campaign: a new item approved by the admin goes live, an engage
ask reaches the feed, and an employee's share and its visits show on the marketer's pages."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import requests
from playwright.sync_api import expect

from tests.e2e.helpers import card, open_from_menu, reload_until

CAMPAIGN = "Autumn customer week"
ITEM = "How Fjordline ships twice as fast with Chorus Cloud"
PAGE = "https://example.com/stories/fjordline"
ASK_POST = "https://x.com/chorus/status/1866000000000000001"
BROWSERS = (  # two people who click the link: two visits
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
)


def test_marketer_campaign_goes_live_and_brings_shares_and_clicks(journey, live_server):
    marketer = journey.as_user("marketer@example.com")

    # A campaign and its first item, submitted for approval.
    open_from_menu(marketer, "Content")
    marketer.get_by_role("link", name="New campaign").click()
    marketer.get_by_label("Name", exact=True).fill(CAMPAIGN)
    marketer.get_by_label("Goal").fill("Customers tell their own stories, shared by us.")
    marketer.get_by_role("button", name="Save campaign").click()
    expect(marketer.get_by_text(f"Campaign {CAMPAIGN} is created.")).to_be_visible()
    # The new item's form opens with the campaign chosen.
    expect(marketer.get_by_role("heading", name="New item")).to_be_visible()
    chosen = marketer.get_by_label("Campaign", exact=True).locator("option:checked")
    expect(chosen).to_have_text(CAMPAIGN)
    marketer.get_by_label("Address of the page to share").fill(PAGE)
    marketer.get_by_label(re.compile("Fill the title, summary and image")).uncheck()
    marketer.get_by_label("Title", exact=True).fill(ITEM)
    marketer.get_by_label("Summary", exact=True).fill(
        "Fjordline's release train, in their own words."
    )
    marketer.get_by_label("Suggested caption for X").fill(f"{ITEM}: their story")
    marketer.get_by_label("Suggested caption for LinkedIn").fill(f"{ITEM}. A story worth reading.")
    marketer.get_by_label("Hashtags", exact=True).fill("#customers")
    marketer.get_by_label("X", exact=True).check()
    marketer.get_by_label("LinkedIn", exact=True).check()
    journey.shot(marketer, "item-form")
    marketer.get_by_role("button", name="Save").click()
    expect(marketer.get_by_text("The item is saved as a draft.")).to_be_visible()
    marketer.get_by_role("button", name="Submit for approval").click()
    expect(marketer.get_by_text("Waiting for another marketer or an admin")).to_be_visible()
    expect(marketer.get_by_role("button", name="Approve")).to_have_count(0)
    journey.shot(marketer, "item-submitted")

    # The admin approves it; it is live for the marketer and in an employee's feed.
    admin = journey.as_user("admin@example.com")
    open_from_menu(admin, "Content")
    waiting = admin.locator("section.queue-section").filter(
        has=admin.get_by_role("heading", name=re.compile("Waiting for approval"))
    )
    waiting.get_by_role("link", name=ITEM).click()
    admin.get_by_role("button", name="Approve").click()
    expect(admin.get_by_text("by Ada Admin")).to_be_visible()
    journey.shot(admin, "item-approved")

    open_from_menu(marketer, "Content")
    live = marketer.locator("section.queue-section").filter(
        has=marketer.get_by_role("heading", name=re.compile("Live now"))
    )
    expect(live.get_by_role("row").filter(has_text=ITEM)).to_contain_text("none yet")
    journey.shot(marketer, "queue-live")

    # An engage ask, open for a week.
    marketer.get_by_role("link", name="Engage asks").click()
    marketer.get_by_label("Address of the company post").fill(ASK_POST)
    marketer.get_by_label("Message to employees").fill("Our customer week kicks off: a like helps!")
    marketer.get_by_label("Campaign", exact=True).select_option(label=CAMPAIGN)
    week = (datetime.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    marketer.get_by_label("Open until").fill(week)
    marketer.get_by_role("button", name="Post the ask").click()
    expect(marketer.get_by_text("The ask is in certified employees' feeds.")).to_be_visible()
    journey.shot(marketer, "ask-posted")

    # A certified employee sees both, and shares the item on X.
    advocate = journey.as_user("advocate@example.com")
    open_from_menu(advocate, "Feed")
    expect(
        advocate.locator(".ask-card").filter(has_text="Our customer week kicks off")
    ).to_be_visible()
    item = advocate.locator("article.feed-item").filter(has_text=ITEM)
    item.get_by_role("link", name="Share").click()
    advocate.get_by_label("Share on LinkedIn").uncheck()
    advocate.get_by_role("button", name="Share now").click()
    row = advocate.get_by_role("row").filter(has_text=ITEM)
    reload_until(advocate, row.get_by_text("published", exact=True))
    journey.shot(advocate, "advocate-shared")

    # Two people open the tracked link of the post (from the archive of what was published).
    open_from_menu(admin, "Archive")
    record = admin.get_by_role("row").filter(has_text=ITEM)
    link = re.search(r"/s/[\w-]+", record.locator(".archive-link").inner_text())
    assert link, "the published post carries its tracked link"
    for agent in BROWSERS:
        visit = requests.get(
            live_server.url(link.group()),
            headers={"User-Agent": agent},
            allow_redirects=False,
            timeout=10,
        )
        assert visit.status_code in (301, 302, 303, 307)
        assert visit.headers["Location"].startswith(PAGE)
        assert "utm_campaign=" in visit.headers["Location"]

    # The marketer sees the share and the clicks on the queue, the item and the campaign.
    marketer.reload()
    open_from_menu(marketer, "Content")
    shared = live.get_by_role("row").filter(has_text=ITEM)
    expect(shared).to_contain_text("1 share by 1")
    expect(shared).to_contain_text("2 clicks")
    shared.get_by_role("link", name=ITEM).click()
    expect(marketer.locator("dl.facts")).to_contain_text("1 share by 1 person")
    journey.shot(marketer, "item-shared")
    marketer.get_by_role("link", name=CAMPAIGN).click()
    expect(marketer.get_by_role("row").filter(has_text=ITEM)).to_contain_text("1 by 1")
    open_from_menu(marketer, "Content")
    campaigns = marketer.get_by_role("row").filter(has_text=CAMPAIGN)
    campaigns.get_by_role("link", name="Results").click()
    expect(marketer.get_by_role("heading", level=1)).to_contain_text(CAMPAIGN)
    advocates = card(marketer, "Top advocates")
    expect(advocates.get_by_role("row").filter(has_text="Avery Advocate")).to_be_visible()
    # The headline totals are brought up to date every five minutes (a periodic task of
    # the consumer); run that task now instead of waiting for it.
    live_server.flask("refresh-totals")
    marketer.reload()
    expect(card(marketer, "Clicks").locator(".card-figure")).to_have_text("2")
    expect(card(marketer, "Active advocates")).to_contain_text("1 share")
    items = marketer.locator("section.card").filter(
        has=marketer.get_by_role("heading", name="Items")
    )
    expect(items.get_by_role("row").filter(has_text=ITEM)).to_be_visible()
    journey.shot(marketer, "campaign-results")
