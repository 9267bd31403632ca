"""An uncertified employee earns the right to share: course, a failed and a passed
assessment (with an extra attempt from the admin), connected accounts, a refused caption and
a published share."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import (
    COURSE_URL,
    answer_assessment,
    approve_in_sandbox,
    open_from_menu,
    read_every_module,
    reload_until,
)

ITEM = "Launch webinar: see Chorus Cloud in action"
CAPTION = "Join our launch webinar on Thursday: Chorus Cloud, live, with the engineers who built it"


def test_employee_gets_certified_connects_and_shares(journey):
    employee = journey.as_user("employee@example.com")

    # The feed is locked and points to the course.
    open_from_menu(employee, "Feed")
    expect(employee.get_by_role("heading", name="Sharing is locked")).to_be_visible()
    journey.shot(employee, "feed-locked")
    employee.get_by_role("link", name="Open the course").click()
    expect(employee).to_have_url(re.compile(COURSE_URL + "$"))
    expect(employee.get_by_text("Read every module to unlock the assessment.")).to_be_visible()

    read_every_module(employee, modules=8)
    journey.shot(employee, "course-read")

    # A first attempt with wrong answers fails, and the cool-down keeps the next one shut.
    employee.get_by_role("button", name="Start the assessment").click()
    assert answer_assessment(employee, right=False) == 12
    employee.get_by_role("button", name="Submit my answers").click()
    expect(employee.get_by_role("heading", name="Not this time")).to_be_visible()
    expect(employee.locator(".card-figure")).to_have_text("0%")
    journey.shot(employee, "assessment-failed")
    employee.get_by_role("link", name="Back to the course").click()
    expect(employee.get_by_text("Next attempt from")).to_be_visible()
    expect(employee.get_by_role("button", name="Start the assessment")).to_have_count(0)

    # The admin grants another attempt at once, under Certification.
    admin = journey.as_user("admin@example.com")
    open_from_menu(admin, "Certification")
    row = admin.get_by_role("row").filter(has_text="employee@example.com")
    row.get_by_role("button", name="Grant an extra attempt").click()
    expect(
        admin.get_by_text("Eli Employee may take the assessment once more, without waiting.")
    ).to_be_visible()
    journey.shot(admin, "extra-attempt-granted")

    employee.reload()
    employee.get_by_role("button", name="Start the assessment").click()
    answer_assessment(employee, right=True)
    journey.shot(employee, "assessment-answered")
    employee.get_by_role("button", name="Submit my answers").click()
    expect(employee.get_by_role("heading", name="You passed")).to_be_visible()
    expect(employee.locator(".card-figure")).to_have_text("100%")
    expect(employee.get_by_text(re.compile(r"Certificate \S+ is issued"))).to_be_visible()
    journey.shot(employee, "assessment-passed")

    # Accounts: X and LinkedIn through the sandbox's consent pages.
    for network in ("X", "LinkedIn"):
        approve_in_sandbox(employee, network)
        card = employee.locator("section.card").filter(
            has=employee.get_by_role("heading", name=re.compile(f"^{network}"))
        )
        expect(card.get_by_text("connected", exact=True)).to_be_visible()
    journey.shot(employee, "accounts-connected")

    # The feed is open; a caption with a blocked term is refused with the reason.
    open_from_menu(employee, "Feed")
    item = employee.locator("article.feed-item").filter(has_text=ITEM)
    item.get_by_role("link", name="Share").click()
    expect(employee.get_by_role("heading", name=f"Share: {ITEM}")).to_be_visible()
    employee.get_by_label("Share on LinkedIn").uncheck()
    employee.get_by_label("Caption for X").fill(CAPTION + ". The roadmap is confidential")
    employee.get_by_role("button", name="Share now").click()
    refusal = employee.get_by_role("alert")
    expect(refusal).to_contain_text('X: Remove "confidential": it is a blocked term')
    journey.shot(employee, "blocked-term-refused")
    employee.goto("/shares")
    expect(employee.get_by_text("You have not shared anything yet.")).to_be_visible()

    # The edited caption, checked first, goes out and shows as published under My shares.
    open_from_menu(employee, "Feed")
    item.get_by_role("link", name="Share").click()
    employee.get_by_label("Share on LinkedIn").uncheck()
    employee.get_by_label("Caption for X").fill(CAPTION)
    employee.get_by_role("button", name="Check").click()
    screening = employee.locator(".screening-ok")
    expect(screening).to_contain_text("Ready to share.")
    expect(screening.locator(".caption-text")).to_contain_text(CAPTION)
    journey.shot(employee, "caption-checked")
    employee.get_by_role("button", name="Share now").click()
    expect(employee).to_have_url(re.compile(r"/shares$"))
    row = employee.get_by_role("row").filter(has_text=ITEM)
    reload_until(employee, row.get_by_text("published", exact=True))
    expect(row).to_contain_text(CAPTION[:60])
    expect(row).to_contain_text("#employee")  # the disclosure, added when missing
    expect(row.get_by_role("cell", name="X", exact=True)).to_be_visible()
    expect(employee.get_by_role("row").filter(has_text="LinkedIn")).to_have_count(0)
    journey.shot(employee, "share-published")
