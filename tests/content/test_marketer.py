"""The marketer's pages: campaigns, items through draft, review and live, uploads, page
previews, editing with history, archiving, and the content queue."""

from __future__ import annotations

import html
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from advocacy import clock, link_preview
from advocacy.extensions import db
from advocacy.images import check_image
from advocacy.models import Campaign, ContentItem, Share
from advocacy.models.content import APPROVED, DRAFT, IN_REVIEW
from advocacy.services import networks, publishing, settings, shares
from advocacy.services.users import department_named
from tests.conftest import csrf_token, post_form, sign_in
from tests.sharing import add_term

FORMAT = "%Y-%m-%dT%H:%M"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def png_bytes(size: tuple[int, int] = (12, 8)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 90)).save(buffer, format="PNG")
    return buffer.getvalue()


def items() -> list[ContentItem]:
    db.session.expire_all()
    return list(db.session.scalars(select(ContentItem).order_by(ContentItem.id)))


def campaign_count() -> int:
    return db.session.scalar(select(func.count(Campaign.id)))


def local(moment: datetime) -> str:
    return moment.strftime(FORMAT)


def uploads(app) -> list[Path]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def follow(client, response):
    assert response.status_code == 303, text(response)
    return client.get(response.headers["Location"])


@pytest.fixture
def marketing(app, marketer):
    """A browser signed in as the marketer Mona (the `client` fixture stays free)."""
    browser = app.test_client()
    assert sign_in(browser, marketer.email).status_code == 303
    return browser


@pytest.fixture
def second_marketing(app, make_user):
    """A browser signed in as a second marketer, who may approve Mona's items."""
    reviewer = make_user("rita@example.com", name="Rita Reviewer", roles=("marketer",))
    browser = app.test_client()
    assert sign_in(browser, reviewer.email).status_code == 303
    return browser


def item_form(campaign_id: int, **overrides) -> dict:
    now = clock.now().replace(second=0, microsecond=0, tzinfo=None)
    data = {
        "campaign": str(campaign_id),
        "url": "https://example.com/blog/autumn",
        "title": "Autumn release",
        "summary": "What is new this autumn.",
        "caption_x": "Autumn release is out",
        "caption_linkedin": "Our autumn release is out today.",
        "hashtags": "#autumn",
        "networks": ["x", "linkedin"],
        "starts_at": local(now - timedelta(hours=1)),
        "expires_at": local(now + timedelta(days=7)),
        "timezone": "UTC",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def new_item(browser, campaign_id: int, **overrides):
    return post_form(browser, "/content/items/new", item_form(campaign_id, **overrides))


def create_live_item(browser, reviewer_browser, campaign_id: int, **overrides) -> ContentItem:
    response = new_item(browser, campaign_id, **overrides)
    assert response.status_code == 303, text(response)
    item = items()[-1]
    assert post_form(browser, f"/content/items/{item.id}/submit").status_code == 303
    assert post_form(reviewer_browser, f"/content/items/{item.id}/approve").status_code == 303
    db.session.refresh(item)
    assert item.status == APPROVED
    return item


def section(page: str, heading: str) -> str:
    """The queue section under `heading`, up to the next section."""
    start = page.index(f"<h2>{heading} ")
    end = page.find('<section class="queue-section">', start)
    return page[start : end if end != -1 else len(page)]


def certified_employee_feed(app, sharer) -> str:
    """The sharer fixture signs in the `client`; read the feed in a fresh browser."""
    browser = app.test_client()
    assert sign_in(browser, sharer.email).status_code == 303
    return text(browser.get("/feed"))


# --- Campaigns ------------------------------------------------------------------------------


def campaign_form(**overrides) -> dict:
    data = {
        "name": "Autumn Push",
        "goal": "More visits to the autumn pages",
        "starts_on": "2030-09-01",
        "ends_on": "2030-10-31",
        "utm_campaign": "",
    }
    data.update(overrides)
    return data


def test_a_new_campaign_leads_to_adding_its_first_item(marketing):
    response = post_form(marketing, "/content/campaigns/new", campaign_form())

    assert response.status_code == 303
    (campaign,) = db.session.scalars(select(Campaign)).all()
    assert response.headers["Location"] == f"/content/items/new?campaign={campaign.id}"
    assert campaign.name == "Autumn Push" and campaign.goal == "More visits to the autumn pages"
    assert str(campaign.starts_on) == "2030-09-01" and str(campaign.ends_on) == "2030-10-31"
    page = text(marketing.get(response.headers["Location"]))
    assert "Campaign Autumn Push is created. Add its first item." in page
    assert f'<option selected value="{campaign.id}">Autumn Push</option>' in page


def test_a_campaign_appears_on_the_queue_with_its_items(marketing, campaign):
    assert new_item(marketing, campaign.id, title="First of spring").status_code == 303

    page = text(marketing.get("/content"))

    assert "First of spring" in page
    assert f'href="/content/campaigns/{campaign.id}">Spring launch</a>' in page


def test_a_new_campaign_without_items_is_shown_on_the_queue(marketing):
    follow(marketing, post_form(marketing, "/content/campaigns/new", campaign_form()))

    assert "Autumn Push" in text(marketing.get("/content"))


def test_the_utm_name_is_made_from_the_name_when_left_empty(marketing):
    post_form(marketing, "/content/campaigns/new", campaign_form(name="Spring Launch 2026!"))

    assert db.session.scalars(select(Campaign.utm_campaign)).one() == "spring-launch-2026"


def test_a_given_utm_name_is_kept_in_lower_case(marketing):
    post_form(marketing, "/content/campaigns/new", campaign_form(utm_campaign="Q3_push.v2"))

    assert db.session.scalars(select(Campaign.utm_campaign)).one() == "q3_push.v2"


@pytest.mark.parametrize(
    "name", ["Spring launch", "SPRING LAUNCH", "spring Launch", " Spring launch "]
)
def test_a_campaign_name_already_taken_in_any_case_is_refused(marketing, campaign, name):
    response = post_form(marketing, "/content/campaigns/new", campaign_form(name=name))

    assert response.status_code == 400
    assert 'A campaign called "Spring launch" already exists.' in text(response)
    assert campaign_count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ends_on": "2030-08-31"}, "The campaign cannot end before it starts."),
        (
            {"utm_campaign": "spring launch!"},
            '"spring launch!" cannot be a UTM campaign name: use lower-case letters, digits, '
            "dots, dashes and underscores.",
        ),
        ({"utm_campaign": "-leading-dash"}, '"-leading-dash" cannot be a UTM campaign name'),
        ({"name": "   "}, "This field is required."),
        # A browser's date picker sends only valid dates; a hand-made request gets this.
        ({"starts_on": "1st of September"}, "This field is required."),
    ],
    ids=["ends-before-start", "utm-space", "utm-leading-dash", "no-name", "bad-date"],
)
def test_a_bad_campaign_is_refused_with_its_reason(marketing, fields, message):
    response = post_form(marketing, "/content/campaigns/new", campaign_form(**fields))

    assert response.status_code == 400
    assert message in text(response)
    assert campaign_count() == 0


def test_editing_a_campaign_saves_it(marketing, campaign):
    response = post_form(
        marketing,
        f"/content/campaigns/{campaign.id}",
        campaign_form(name="Spring launch", goal="Sign-ups", utm_campaign="spring-26"),
    )

    page = text(follow(marketing, response))
    assert "The campaign is saved." in page
    db.session.refresh(campaign)
    assert (campaign.name, campaign.goal, campaign.utm_campaign) == (
        "Spring launch",
        "Sign-ups",
        "spring-26",
    )
    assert str(campaign.ends_on) == "2030-10-31"


def test_renaming_a_campaign_to_another_ones_name_is_refused(marketing, marketer, campaign):
    other = post_form(marketing, "/content/campaigns/new", campaign_form())
    assert other.status_code == 303
    autumn = db.session.scalar(select(Campaign).where(Campaign.name == "Autumn Push"))

    response = post_form(
        marketing, f"/content/campaigns/{autumn.id}", campaign_form(name="spring LAUNCH")
    )

    assert response.status_code == 400
    assert 'A campaign called "Spring launch" already exists.' in text(response)
    db.session.refresh(autumn)
    assert autumn.name == "Autumn Push"


# --- Creating items -------------------------------------------------------------------------


def test_a_new_item_is_saved_as_a_draft_with_everything_the_form_gave(marketing, campaign):
    sales = department_named(db.session, "Sales")
    department_named(db.session, "Finance")
    db.session.commit()

    response = new_item(
        marketing,
        campaign.id,
        hashtags="#autumn, ai #Autumn",
        departments=[str(sales.id)],
        starts_at="2030-07-01T10:00",
        expires_at="2030-07-08T18:30",
        timezone="Europe/Lisbon",
    )

    (item,) = items()
    assert response.headers["Location"] == f"/content/items/{item.id}"
    assert item.status == DRAFT and item.version == 1
    assert item.captions == {
        "x": "Autumn release is out",
        "linkedin": "Our autumn release is out today.",
    }
    assert item.hashtags == ["#autumn", "#ai"]  # "#Autumn" is the same tag
    assert [d.name for d in item.departments] == ["Sales"]
    # Lisbon is on summer time (UTC+1) in July.
    assert item.starts_at == datetime(2030, 7, 1, 9, 0, tzinfo=UTC)
    assert item.expires_at == datetime(2030, 7, 8, 17, 30, tzinfo=UTC)
    page = text(follow(marketing, response))
    assert "The item is saved as a draft. Submit it when it is ready." in page
    assert "Autumn release is out" in page and "Our autumn release is out today." in page
    assert "01 Jul 2030, 09:00 UTC" in page and "Sales" in page
    assert "Submit for approval" in page


def test_a_winter_time_in_lisbon_is_the_same_as_utc(marketing, campaign):
    new_item(
        marketing,
        campaign.id,
        starts_at="2030-01-15T10:00",
        expires_at="2030-01-16T10:00",
        timezone="Europe/Lisbon",
    )

    (item,) = items()
    assert item.starts_at == datetime(2030, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"caption_linkedin": ""}, "Write a suggested caption for LinkedIn."),
        ({"caption_x": "   "}, "Write a suggested caption for X."),
        (
            {"expires_at": "2030-07-01T09:00", "starts_at": "2030-07-01T10:00"},
            "The item must expire after it starts.",
        ),
        (
            {"expires_at": "2030-07-01T10:00", "starts_at": "2030-07-01T10:00"},
            "The item must expire after it starts.",
        ),
        ({"networks": []}, "Choose where it may be shared: LinkedIn, X."),
        ({"hashtags": "#launch!"}, '"#launch!" is not a hashtag'),
        ({"title": ""}, "Give the item a title, or let Chorus read it from the page."),
    ],
    ids=[
        "no-linkedin-caption",
        "blank-x-caption",
        "expires-before-start",
        "expires-at-start",
        "no-network",
        "bad-hashtag",
        "no-title",
    ],
)
def test_an_incomplete_item_is_refused_with_its_reason(marketing, campaign, fields, message):
    response = new_item(marketing, campaign.id, **fields)

    assert response.status_code == 400
    assert message in text(response)
    assert items() == []


def test_an_item_without_a_start_time_goes_live_once_approved(
    app, marketing, second_marketing, campaign, sharer
):
    item = create_live_item(marketing, second_marketing, campaign.id, starts_at="")

    assert item.starts_at <= clock.now()
    assert "Autumn release" in certified_employee_feed(app, sharer)


def test_a_caption_is_needed_only_for_the_networks_chosen(marketing, campaign):
    response = new_item(marketing, campaign.id, networks=["x"], caption_linkedin="")

    assert response.status_code == 303
    (item,) = items()
    assert item.networks == ["x"] and item.captions == {"x": "Autumn release is out"}


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file.pdf",
        "javascript:alert(1)",
        "example.com/blog/autumn",
        "https://localhost/page",
        "https://example.com/a page",
    ],
)
def test_an_address_that_is_not_a_web_page_is_refused(marketing, campaign, url):
    response = new_item(marketing, campaign.id, url=url)

    assert response.status_code == 400
    assert "Give the full web address of the page, starting with https://." in text(response)
    assert items() == []


def test_a_blocked_term_in_a_suggested_caption_is_refused_naming_it_and_the_network(
    marketing, campaign
):
    add_term("confidential", category="confidential marker")

    response = new_item(marketing, campaign.id, caption_linkedin="Our Confidential roadmap")

    page = text(response)
    assert response.status_code == 400
    assert 'Suggested caption for LinkedIn: Remove "Confidential": it is a blocked term' in page
    assert items() == []


def test_a_flagged_term_is_saved_and_shown_to_the_reviewer_as_flagged(marketing, campaign):
    add_term("acquisition", severity="flagged", category="needs review")

    response = new_item(marketing, campaign.id, caption_x="Thoughts on the acquisition")

    page = text(follow(marketing, response))
    (item,) = items()
    assert item.captions["x"] == "Thoughts on the acquisition"
    assert (
        'Flagged for review: A marketer must approve "acquisition" before this is shared '
        "(needs review)." in page
    )


# --- Images ---------------------------------------------------------------------------------


def test_an_uploaded_png_is_stored_and_served_only_to_signed_in_people(app, marketing, campaign):
    picture = png_bytes()

    response = new_item(marketing, campaign.id, image=(io.BytesIO(picture), "launch.png"))

    assert response.status_code == 303, text(response)
    (item,) = items()
    assert item.image_name and item.image_name.endswith(".png")
    assert (Path(app.instance_path) / "uploads" / item.image_name).read_bytes() == picture
    assert f'src="/media/{item.image_name}"' in text(marketing.get(f"/content/items/{item.id}"))
    served = marketing.get(f"/media/{item.image_name}")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.get_data() == picture
    served.close()

    anonymous = app.test_client().get(f"/media/{item.image_name}")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        ((b"just some notes\n", "notes.txt"), "This file is not an image Chorus accepts"),
        (
            (b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "logo.svg"),
            "SVG images are not accepted because they can carry scripts",
        ),
        ((b"", "empty.png"), "The file is empty; please choose an image."),
        ((png_bytes()[:40], "cut.png"), "The image is damaged or incomplete"),
    ],
    ids=["text", "svg", "empty", "truncated-png"],
)
def test_a_file_that_is_not_an_image_is_refused_and_no_item_is_made(
    app, marketing, campaign, upload, message
):
    data, name = upload
    response = new_item(marketing, campaign.id, image=(io.BytesIO(data), name))

    assert response.status_code == 400
    assert message in text(response)
    assert items() == []
    assert uploads(app) == []


def test_a_refused_item_leaves_no_uploaded_image_behind(app, marketing, campaign):
    response = new_item(
        marketing, campaign.id, caption_x="", image=(io.BytesIO(png_bytes()), "launch.png")
    )

    assert response.status_code == 400
    assert items() == []
    assert uploads(app) == []


@pytest.mark.parametrize("name", ["../secret.png", "short.png", "aaaaaaaaaaaaaaaaaaaa.svg"])
def test_media_only_serves_stored_image_names(marketing, name):
    assert marketing.get(f"/media/{name}").status_code == 404


# --- Review and approval --------------------------------------------------------------------


def test_submitting_a_draft_puts_it_in_review(marketing, campaign):
    new_item(marketing, campaign.id)
    (item,) = items()

    page = text(follow(marketing, post_form(marketing, f"/content/items/{item.id}/submit")))

    assert items()[0].status == IN_REVIEW
    assert "Sent for approval." in page
    assert "Waiting for another marketer or an admin to approve it." in page
    assert "in review" in page


def test_the_submitter_cannot_approve_their_own_item(marketing, campaign):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/submit")

    response = post_form(marketing, f"/content/items/{item.id}/approve")

    page = text(follow(marketing, response))
    assert "Someone who did not write, edit or submit this version must approve it." in page
    assert items()[0].status == IN_REVIEW and items()[0].approved_by_id is None


def test_a_second_marketer_approves_and_certified_employees_see_it(
    app, marketing, second_marketing, campaign, sharer
):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/submit")
    assert "Autumn release" not in certified_employee_feed(app, sharer)

    page = text(
        follow(second_marketing, post_form(second_marketing, f"/content/items/{item.id}/approve"))
    )

    assert "Approved." in page and "by Rita Reviewer" in page
    (item,) = items()
    assert item.status == APPROVED
    feed = certified_employee_feed(app, sharer)
    assert "Autumn release" in feed and f"/feed/items/{item.id}/share" in feed


def test_an_item_for_another_department_stays_out_of_the_feed(
    app, marketing, second_marketing, campaign, sharer
):
    finance = department_named(db.session, "Finance")
    db.session.commit()

    create_live_item(marketing, second_marketing, campaign.id, departments=[str(finance.id)])

    assert "Autumn release" not in certified_employee_feed(app, sharer)


def test_sending_back_returns_the_item_to_its_author_with_the_note(
    marketing, second_marketing, campaign
):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/submit")

    response = post_form(
        second_marketing,
        f"/content/items/{item.id}/send-back",
        {"note": "Say which regions get it first."},
    )

    assert "Sent back to the author with your note." in text(follow(second_marketing, response))
    (item,) = items()
    assert item.status == DRAFT and item.review_note == "Say which regions get it first."
    author_page = text(marketing.get(f"/content/items/{item.id}"))
    assert "Sent back: Say which regions get it first." in author_page
    assert "Submit for approval" in author_page


def test_sending_back_without_a_note_says_a_note_is_needed(marketing, second_marketing, campaign):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/submit")

    response = post_form(second_marketing, f"/content/items/{item.id}/send-back", {"note": ""})

    assert items()[0].status == IN_REVIEW
    assert "Say what should change" in text(follow(second_marketing, response))


def test_sending_back_without_a_note_keeps_the_item_in_review(
    marketing, second_marketing, campaign
):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/submit")

    response = post_form(second_marketing, f"/content/items/{item.id}/send-back", {"note": "  "})

    assert response.status_code == 303
    (item,) = items()
    assert item.status == IN_REVIEW and item.review_note is None


@pytest.mark.parametrize("action", ["approve", "send-back"])
def test_a_draft_cannot_be_approved_or_sent_back(marketing, second_marketing, campaign, action):
    new_item(marketing, campaign.id)
    (item,) = items()

    response = post_form(second_marketing, f"/content/items/{item.id}/{action}", {"note": "x"})

    page = text(follow(second_marketing, response))
    assert "Only an item in review can" in page
    assert items()[0].status == DRAFT


def test_submitting_twice_says_only_a_draft_can_be_submitted(marketing, campaign):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/submit")

    page = text(follow(marketing, post_form(marketing, f"/content/items/{item.id}/submit")))

    assert "Only a draft can be submitted; this item is in review." in page


def test_without_required_approval_submitting_publishes_at_once(
    app, marketing, marketer, campaign, sharer
):
    settings.put(db.session, "content_approval_required", False, None)
    db.session.commit()
    new_item(marketing, campaign.id)
    (item,) = items()
    assert "Approve and publish to the feed" in text(marketing.get(f"/content/items/{item.id}"))

    page = text(follow(marketing, post_form(marketing, f"/content/items/{item.id}/submit")))

    assert "Approved." in page
    (item,) = items()
    assert item.status == APPROVED and item.approved_by_id == marketer.id
    assert "Autumn release" in certified_employee_feed(app, sharer)


def test_the_admin_switching_approval_off_on_the_compliance_page_skips_review(
    app, marketing, make_user, campaign
):
    admin = app.test_client()
    sign_in(admin, make_user("ada@example.com", roles=("admin",)).email)
    saved = post_form(
        admin,
        "/admin/compliance",
        {
            "settings-csrf_token": csrf_token(admin),
            "settings-disclosure": "#employee",
            "settings-domains": "",
            "settings-submit": "Save settings",
        },
    )
    assert saved.status_code == 303, text(saved)
    new_item(marketing, campaign.id)
    (item,) = items()

    post_form(marketing, f"/content/items/{item.id}/submit")

    assert items()[0].status == APPROVED


def test_an_edit_made_during_review_needs_someone_else_to_approve_it(
    marketing, second_marketing, campaign
):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/submit")
    edited = post_form(
        second_marketing,
        f"/content/items/{item.id}/edit",
        item_form(campaign.id, caption_x="Rita's own words"),
    )
    assert edited.status_code == 303

    post_form(second_marketing, f"/content/items/{item.id}/approve")

    (item,) = items()
    assert item.captions["x"] == "Rita's own words"
    assert item.status == IN_REVIEW  # Rita wrote this version: Mona (or another) approves it


def test_the_author_cannot_approve_their_item_when_a_colleague_submitted_it(
    marketing, second_marketing, campaign
):
    new_item(marketing, campaign.id)  # Mona writes it
    (item,) = items()
    post_form(second_marketing, f"/content/items/{item.id}/submit")  # Rita submits it

    post_form(marketing, f"/content/items/{item.id}/approve")  # Mona approves her own words

    assert items()[0].status == IN_REVIEW


# --- Editing, history and archiving ---------------------------------------------------------


def test_editing_a_live_item_keeps_its_history_and_sends_it_back_to_review(
    app, marketing, second_marketing, campaign, sharer
):
    item = create_live_item(marketing, second_marketing, campaign.id)
    assert "Autumn release" in certified_employee_feed(app, sharer)

    response = post_form(
        marketing,
        f"/content/items/{item.id}/edit",
        item_form(campaign.id, title="Autumn release, updated", caption_x="Now with more"),
    )

    page = text(follow(marketing, response))
    assert "Saved. The change needs approval again before employees see it." in page
    (item,) = items()
    assert item.status == IN_REVIEW and item.version == 2 and item.approved_by_id is None
    history = page[page.index("<h2>History</h2>") :]
    assert "<td>2</td>" in history and "<td>1</td>" in history
    assert "Autumn release is out" in history and "Now with more" in history
    assert [(r.version, r.status) for r in item.revisions] == [(2, IN_REVIEW), (1, DRAFT)]
    assert "Autumn release" not in certified_employee_feed(app, sharer)

    post_form(second_marketing, f"/content/items/{item.id}/approve")

    feed = certified_employee_feed(app, sharer)
    assert "Autumn release, updated" in feed


def test_the_edit_form_starts_with_the_item_as_saved(marketing, second_marketing, campaign):
    item = create_live_item(
        marketing,
        second_marketing,
        campaign.id,
        starts_at="2030-07-01T10:00",
        expires_at="2030-07-08T18:30",
        hashtags="#autumn #ai",
    )

    page = text(marketing.get(f"/content/items/{item.id}/edit"))

    assert "This item is approved." in page
    assert 'data-utc="2030-07-01T10:00:00Z"' in page and 'data-utc="2030-07-08T18:30:00Z"' in page
    assert 'value="#autumn #ai"' in page
    assert '<input id="read_page" name="read_page" type="checkbox" value="y">' in page
    assert "Our autumn release is out today.</textarea>" in page


def test_without_required_approval_an_edit_of_a_live_item_stays_live(
    app, marketing, second_marketing, campaign, sharer
):
    item = create_live_item(marketing, second_marketing, campaign.id)
    settings.put(db.session, "content_approval_required", False, None)
    db.session.commit()

    response = post_form(
        marketing, f"/content/items/{item.id}/edit", item_form(campaign.id, title="Fixed typo")
    )

    assert "Saved." in text(follow(marketing, response))
    (item,) = items()
    assert item.status == APPROVED and item.version == 2
    assert "Fixed typo" in certified_employee_feed(app, sharer)


def test_an_edit_with_a_blocked_term_changes_nothing(marketing, second_marketing, campaign):
    item = create_live_item(marketing, second_marketing, campaign.id)
    add_term("guaranteed")

    response = post_form(
        marketing,
        f"/content/items/{item.id}/edit",
        item_form(campaign.id, caption_x="Guaranteed returns"),
    )

    assert response.status_code == 400
    assert 'Suggested caption for X: Remove "Guaranteed"' in text(response)
    (item,) = items()
    assert item.status == APPROVED and item.version == 1
    assert item.captions["x"] == "Autumn release is out" and len(item.revisions) == 1


def test_archiving_takes_an_item_out_of_the_feed(
    app, marketing, second_marketing, campaign, sharer
):
    item = create_live_item(marketing, second_marketing, campaign.id)

    response = post_form(marketing, f"/content/items/{item.id}/archive")

    page = text(follow(marketing, response))
    assert "Archived: employees no longer see it." in page
    assert items()[0].status == "archived"
    assert "Autumn release" not in certified_employee_feed(app, sharer)
    assert "Autumn release" not in text(marketing.get("/content"))
    edit = post_form(marketing, f"/content/items/{item.id}/edit", item_form(campaign.id))
    assert edit.status_code == 400 and "An archived item cannot be edited." in text(edit)


def test_archiving_twice_says_it_is_already_archived(marketing, campaign):
    new_item(marketing, campaign.id)
    (item,) = items()
    post_form(marketing, f"/content/items/{item.id}/archive")

    page = text(follow(marketing, post_form(marketing, f"/content/items/{item.id}/archive")))

    assert "This item is already archived." in page


@pytest.mark.parametrize(
    "path", ["/content/items/999999", "/content/items/999999/edit", "/content/campaigns/999999"]
)
def test_a_missing_item_or_campaign_is_a_clear_404(marketing, path):
    response = marketing.get(path)
    assert response.status_code == 404
    assert "There is no such" in text(response)


# --- The queue ------------------------------------------------------------------------------


def test_the_queue_groups_items_by_where_they_stand(marketing, make_item):
    make_item("Live thing")
    make_item("Later thing", starts_at=clock.now() + timedelta(days=2))
    make_item("Draft thing", live=False)
    make_item(
        "Old thing",
        starts_at=clock.now() - timedelta(days=5),
        expires_at=clock.now() - timedelta(days=1),
    )
    waiting = make_item("Waiting thing", live=False)
    post_form(marketing, f"/content/items/{waiting.id}/submit")

    page = text(marketing.get("/content"))

    expected = {
        "Waiting for approval": "Waiting thing",
        "Live now": "Live thing",
        "Going live later": "Later thing",
        "Drafts": "Draft thing",
        "Recently expired": "Old thing",
    }
    every_title = set(expected.values())
    for heading, title in expected.items():
        found = section(page, heading)
        assert "(1)" in found, heading
        assert title in found
        assert [t for t in sorted(every_title) if t in found] == [title]


def test_an_item_expiring_within_three_days_is_marked_soon(marketing, make_item):
    make_item("Short lived", expires_at=clock.now() + timedelta(days=1))

    live = section(text(marketing.get("/content")), "Live now")

    assert '<span class="badge badge-off">soon</span>' in live


def test_the_queue_and_item_page_count_published_shares(app, marketing, sharer, make_item):
    item = make_item("Shared thing")
    connect = networks.connectors_of(app)
    for share in shares.create_shares(
        db.session, app.config, sharer, item.id, {"x": "One", "linkedin": "Two"}, None
    ):
        publishing.publish(db.session, app.config, share, connect)
    assert {s.status for s in db.session.scalars(select(Share))} == {"published"}

    live = section(text(marketing.get("/content")), "Live now")
    detail = text(marketing.get(f"/content/items/{item.id}"))

    assert "2 shares by 1" in live
    assert "2 shares by 1 person" in detail


def test_an_unpublished_share_is_not_counted(app, marketing, sharer, make_item):
    item = make_item("Scheduled share")
    shares.create_shares(
        db.session, app.config, sharer, item.id, {"x": "Later"}, clock.now() + timedelta(hours=2)
    )

    live = section(text(marketing.get("/content")), "Live now")

    assert "none yet" in live


def test_without_a_campaign_the_new_item_page_asks_for_one_first(marketing):
    response = marketing.get("/content/items/new")

    assert response.status_code == 303 and response.headers["Location"] == "/content/campaigns/new"
    assert "Create a campaign first: every item belongs to one." in text(
        marketing.get("/content/campaigns/new")
    )


# --- Reading the page's preview -------------------------------------------------------------


def test_reading_the_page_fills_an_empty_title_summary_and_image(
    app, marketing, campaign, monkeypatch
):
    picture = png_bytes((30, 20))
    asked: list[str] = []

    def fake_preview(url: str) -> link_preview.Preview:
        asked.append(url)
        return link_preview.Preview(
            url=url,
            title="Autumn at Chorus",
            description="Everything we shipped this autumn.",
            image_url="https://cdn.example.com/autumn.png",
            site_name="Chorus blog",
        )

    def fake_image(url: str):
        asked.append(url)
        return check_image(picture)

    monkeypatch.setattr(link_preview, "fetch_preview", fake_preview)
    monkeypatch.setattr(link_preview, "fetch_image", fake_image)

    response = new_item(marketing, campaign.id, title="", summary="", read_page="y")

    assert response.status_code == 303, text(response)
    (item,) = items()
    assert asked == ["https://example.com/blog/autumn", "https://cdn.example.com/autumn.png"]
    assert item.title == "Autumn at Chorus"
    assert item.summary == "Everything we shipped this autumn."
    assert item.preview_status == "done" and item.preview_error is None
    assert (Path(app.instance_path) / "uploads" / item.image_name).read_bytes() == picture
    page = text(marketing.get(f"/content/items/{item.id}"))
    assert "Autumn at Chorus" in page and f"/media/{item.image_name}" in page


def test_reading_the_page_keeps_what_the_marketer_wrote(app, marketing, campaign, monkeypatch):
    monkeypatch.setattr(
        link_preview,
        "fetch_preview",
        lambda url: link_preview.Preview(url, "Page title", "Page summary", None, None),
    )

    new_item(marketing, campaign.id, title="My title", summary="My summary", read_page="y")

    (item,) = items()
    assert (item.title, item.summary) == ("My title", "My summary")


def test_a_page_that_cannot_be_read_shows_the_reason_on_the_item(marketing, campaign, monkeypatch):
    def failing(url: str):
        raise link_preview.PreviewFailed("The page answered 404.")

    monkeypatch.setattr(link_preview, "fetch_preview", failing)

    response = new_item(marketing, campaign.id, title="", read_page="y")

    (item,) = items()
    assert item.preview_status == "failed"
    assert item.title == "https://example.com/blog/autumn"  # the address, until it is fixed
    page = text(follow(marketing, response))
    assert '<p class="flash flash-error">The page answered 404.</p>' in page


def test_an_unusable_page_image_is_explained_but_the_rest_is_kept(marketing, campaign, monkeypatch):
    monkeypatch.setattr(
        link_preview,
        "fetch_preview",
        lambda url: link_preview.Preview(url, "Title", None, "https://cdn.example.com/x.svg", None),
    )

    def refused(url: str):
        raise link_preview.PreviewFailed("The image answered 403.")

    monkeypatch.setattr(link_preview, "fetch_image", refused)

    new_item(marketing, campaign.id, title="", read_page="y")

    (item,) = items()
    assert item.title == "Title" and item.image_name is None
    page = text(marketing.get(f"/content/items/{item.id}"))
    assert "The page's image could not be used: The image answered 403." in page


def test_an_unticked_read_page_reads_nothing(marketing, campaign, monkeypatch):
    def must_not_run(url: str):
        raise AssertionError("the page was read")

    monkeypatch.setattr(link_preview, "fetch_preview", must_not_run)

    response = new_item(marketing, campaign.id)

    assert response.status_code == 303
    assert items()[0].preview_status is None


def test_an_empty_title_without_reading_the_page_is_refused(marketing, campaign):
    response = new_item(marketing, campaign.id, title="")

    assert response.status_code == 400
    assert "Give the item a title, or let Chorus read it from the page." in text(response)


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["employee", "executive"])
def test_only_marketing_reaches_the_content_pages(app, make_user, campaign, role):
    browser = app.test_client()
    sign_in(browser, make_user(f"{role}@example.com", roles=(role,)).email)

    assert browser.get("/content").status_code == 403
    assert post_form(browser, "/content/items/new", item_form(campaign.id)).status_code == 403
    assert post_form(browser, "/content/campaigns/new", campaign_form()).status_code == 403
    assert items() == [] and campaign_count() == 1


def test_the_new_item_form_starts_with_both_networks_and_page_reading_ticked(marketing, campaign):
    page = text(marketing.get(f"/content/items/new?campaign={campaign.id}"))

    assert f'<option selected value="{campaign.id}">Spring launch</option>' in page
    assert 'checked id="read_page"' in page
    assert 'checked id="networks-0"' in page and 'checked id="networks-1"' in page
