"""What the browser journeys share: the course's answer key, a bounded wait for background
work, and the networks' sandbox consent pages."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from playwright.sync_api import Locator, Page, expect

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "training" / "courses" / "social-media-essentials"
COURSE_URL = "/training/social-media-essentials"


def squash(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Question:
    options: dict[str, str]
    correct: frozenset[str]

    def answers(self, right: bool) -> list[str]:
        """The option texts to tick: every correct one, or one wrong one."""
        if right:
            return [self.options[key] for key in sorted(self.correct)]
        return [next(text for key, text in self.options.items() if key not in self.correct)]


@cache
def answer_key() -> dict[str, Question]:
    """The demo course's question bank, by prompt (as the page shows it)."""
    bank = yaml.safe_load((COURSE / "questions.yaml").read_text(encoding="utf-8"))
    return {
        squash(q["prompt"]): Question(
            {k: squash(v) for k, v in q["options"].items()}, frozenset(q["correct"])
        )
        for q in bank["questions"]
    }


def answer_assessment(page: Page, right: bool) -> int:
    """Tick every right answer (or one wrong one per question) on the attempt page; return
    how many questions were answered."""
    questions = page.locator("fieldset.question")
    expect(questions.first).to_be_visible()
    count = questions.count()
    for index in range(count):
        question = questions.nth(index)
        prompt = re.sub(r"^\d+\.\s*", "", squash(question.locator("legend").inner_text()))
        for text in answer_key()[prompt].answers(right):
            question.locator("label.choice").filter(has_text=text).locator("input").check()
    return count


def read_every_module(page: Page, modules: int) -> None:
    """Read the course from its first module, pressing "I have read this" on each."""
    page.goto(COURSE_URL)
    page.get_by_role("link", name=re.compile("Why it matters")).click()
    for position in range(1, modules + 1):
        expect(page.locator(".breadcrumbs")).to_contain_text(f"Module {position} of {modules}")
        page.get_by_role("button", name=re.compile("^I have read this")).click()
    expect(page.get_by_text("You have read every module. The assessment is open.")).to_be_visible()


def approve_in_sandbox(page: Page, network: str) -> None:
    """Connect `network` ("X" or "LinkedIn") on Accounts through the sandbox consent page."""
    page.goto("/networks")
    page.get_by_role("button", name=f"Connect {network}").click()
    expect(page.get_by_role("heading", name=f"{network} sandbox: authorize an app")).to_be_visible()
    page.get_by_role("button", name="Allow").click()
    expect(page).to_have_url(re.compile(r"/networks"))


def reload_until(page: Page, target: Locator, timeout_s: float = 30) -> None:
    """Background work (the task consumer) changes a page later: reload until `target` is
    visible, for at most `timeout_s` seconds."""
    deadline = time.monotonic() + timeout_s
    while True:
        if target.count() and target.first.is_visible():
            return
        if time.monotonic() > deadline:
            expect(target.first).to_be_visible(timeout=1)  # fails with Playwright's message
        time.sleep(0.5)
        page.reload()


def open_from_menu(page: Page, name: str) -> None:
    """Follow a link of the main navigation, as a person does."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def card(page: Page, heading: str) -> Locator:
    """The card (a section with a heading) called `heading`."""
    return page.locator("section.card").filter(
        has=page.get_by_role("heading", name=heading, exact=True)
    )
