"""The share form works from the keyboard alone: Tab and Shift+Tab reach every control in
reading order, each focused control is visibly marked, Space ticks, Enter submits."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.e2e.helpers import reload_until

# Whether the focused element is marked as such: an outline or a focus ring, on a box one
# can see. A date field's parts (its digits, its calendar button) are marked by Chromium
# itself, inside the field, where a page's style cannot be read.
LOOKS_FOCUSED = """() => {
  const e = document.activeElement;
  const style = getComputedStyle(e);
  if (e.type === "datetime-local" && style.boxShadow === "none") { return true; }
  const box = e.getBoundingClientRect();
  return box.width > 4 && box.height > 4 &&
    ((style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0) ||
     style.boxShadow !== "none");
}"""
# What the focused element is.
FOCUSED = """() => {
  const e = document.activeElement;
  const label = e.labels && e.labels.length ? e.labels[0].textContent : e.textContent;
  const style = getComputedStyle(e);
  return {
    key: e.tagName.toLowerCase() + ":" + (e.name || e.id || label.trim()),
    label: (label || "").trim().replace(/\\s+/g, " "),
    look: [style.outlineStyle, style.outlineWidth, style.boxShadow],
  };
}"""
CONTROLS = """form => Array.from(form.querySelectorAll(
  'a[href], button, textarea, select, input:not([type="hidden"])'
)).map(e => e.tagName.toLowerCase() + ":" + (e.name || e.id || e.textContent.trim()))"""


def focused(page: Page) -> dict:
    return page.evaluate(FOCUSED)


def assert_focus_visible(page: Page) -> None:
    try:
        page.wait_for_function(LOOKS_FOCUSED, timeout=2000)
    except PlaywrightTimeout:
        raise AssertionError(f"focus is not visible on {focused(page)}") from None


def tab_until(page: Page, key: str, pattern: str, limit: int = 80, field: str = "label") -> dict:
    """Press `key` until the focused element's label (or `field`) matches `pattern`."""
    for _ in range(limit):
        page.keyboard.press(key)
        now = focused(page)
        if re.search(pattern, now[field]):
            return now
    raise AssertionError(f"{key} never reached {pattern!r}")


def test_the_share_form_is_usable_with_the_keyboard_alone(journey):
    page = journey.as_user("advocate@example.com")
    page.goto("/feed")

    # The first Tab shows the skip link; Enter skips the navigation.
    page.keyboard.press("Tab")
    assert focused(page)["label"] == "Skip to content"
    assert_focus_visible(page)
    journey.shot(page, "skip-link-focused")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#content$"))

    # From the feed to an item's share form, by Tab and Enter.
    tab_until(page, "Tab", r"^Share$")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("^Share: "))).to_be_visible()
    form = page.locator("form.share-form")
    controls = form.evaluate(CONTROLS)
    assert controls[-1] == "button:schedule" and "button:share_now" in controls

    # Tab walks the form's controls in reading order, each visibly focused.
    start = tab_until(page, "Tab", f"^{re.escape(controls[0])}$", field="key")
    assert_focus_visible(page)
    walked = [start["key"]]
    while len(walked) < len(controls):
        page.keyboard.press("Tab")
        assert_focus_visible(page)
        now = focused(page)
        if not walked or walked[-1] != now["key"]:  # a date field's parts are one control
            walked.append(now["key"])
    assert walked == controls
    journey.shot(page, "schedule-focused")

    # Shift+Tab walks back the same way.
    back = []
    while len(back) < len(controls) - 1:
        page.keyboard.press("Shift+Tab")
        assert_focus_visible(page)
        now = focused(page)
        if now["key"] != (back[-1] if back else controls[-1]):
            back.append(now["key"])
    assert back == controls[-2::-1]

    # Space unticks every network but the first, the caption is typed, Enter shares.
    boxes = [key for key in controls if key.startswith("input:on_")]
    first = boxes[0].removeprefix("input:on_")
    for box in boxes[1:]:
        tab_until(page, "Tab", "^Share on ")
        while focused(page)["key"] != box:
            page.keyboard.press("Tab")
        if form.locator(f'[name="{box.removeprefix("input:")}"]').is_checked():
            page.keyboard.press("Space")
        expect(form.locator(f'[name="{box.removeprefix("input:")}"]')).not_to_be_checked()
    caption = f"textarea:caption_{first}"
    while focused(page)["key"] != caption:
        page.keyboard.press("Shift+Tab")
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Typed without a mouse: our launch, in my words")
    journey.shot(page, "caption-typed")
    tab_until(page, "Tab", "^Share now$")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/shares$"))
    row = page.get_by_role("row").filter(has_text="Typed without a mouse")
    reload_until(page, row.get_by_text("published", exact=True))
    journey.shot(page, "shared")
