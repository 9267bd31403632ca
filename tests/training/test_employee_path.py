"""The employee's path over HTTP: read the modules, take the assessment, fail, wait, pass."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from advocacy.errors import ValidationFailed
from advocacy.extensions import db
from advocacy.models import Attempt, AttemptGrant, Certification, Question
from advocacy.services import assessment
from tests.conftest import post_form, sign_in
from tests.training.conftest import (
    CERTIFICATE_NUMBER,
    SLUG,
    START,
    answers,
    audit_events,
    certify,
    count,
    explanation_of,
    flashes,
    follow,
    form_errors,
    import_folder,
    latest_certificate,
    read_modules,
    shown_questions,
    start_attempt,
    started_attempt_id,
    stored,
    submit,
    take_assessment,
    text_of,
    ticked,
    write_course,
)

COURSE_URL = f"/training/{SLUG}"


@pytest.fixture
def clock_at(frozen_clock):
    """The app clock at START; call with minutes to move it forward from START."""
    frozen_clock(START)

    def move(minutes: float = 0, days: float = 0) -> None:
        frozen_clock(START + timedelta(minutes=minutes, days=days))

    return move


@pytest.fixture
def employee(clock_at, course, login_as):
    return login_as("employee", name="Eli Employee")


@pytest.fixture
def ready(client, employee):
    """The employee has read every module."""
    read_modules(client)
    return employee


def course_page(client) -> str:
    response = client.get(COURSE_URL)
    assert response.status_code == 200
    return text_of(response)


def refused_start(client) -> str:
    """Starting is refused: back to the course page with the reason; the flashes shown."""
    before = count(Attempt)
    response = start_attempt(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(COURSE_URL)
    page = follow(client, response)
    assert count(Attempt) == before
    return " ".join(text for kind, text in flashes(page) if kind == "error")


def open_attempt_page(client) -> tuple[int, str]:
    attempt_id = started_attempt_id(start_attempt(client))
    return attempt_id, text_of(client.get(f"/training/attempts/{attempt_id}"))


def admin_client(app, make_user):
    admin = make_user(roles=("admin",))
    other = app.test_client()
    assert sign_in(other, admin.email).status_code == 303
    return other


# The course and its modules


def test_training_opens_the_only_course(client, employee):
    response = client.get("/training")
    assert response.status_code == 302 and response.headers["Location"].endswith(COURSE_URL)


def test_the_course_page_lists_modules_with_progress(client, employee):
    page = course_page(client)
    assert "The basics" in page and "More to know" in page
    assert "0 of 2 read" in page
    read_modules(client, positions=(1,))
    page = course_page(client)
    assert "1 of 2 read" in page
    assert page.count('<span class="badge badge-ok">read</span>') == 1


def test_a_module_page_shows_its_text(client, employee):
    page = text_of(client.get(f"{COURSE_URL}/modules/1"))
    assert "<h2>The basics</h2>" in page and "Say that you work here." in page
    assert "Module 1 of 2" in page


def test_an_unknown_module_or_course_is_not_found(client, employee):
    assert client.get(f"{COURSE_URL}/modules/3").status_code == 404
    assert client.get("/training/no-such-course").status_code == 404


def test_reading_a_module_leads_to_the_next_and_the_last_back_to_the_course(client, employee):
    first = post_form(client, f"{COURSE_URL}/modules/1")
    assert first.headers["Location"].endswith(f"{COURSE_URL}/modules/2")
    last = post_form(client, f"{COURSE_URL}/modules/2")
    page = follow(client, last)
    assert ("success", "You have read every module. The assessment is open.") in flashes(page)


def test_reading_a_module_twice_counts_once(client, employee):
    read_modules(client, positions=(1, 1))
    assert "1 of 2 read" in course_page(client)


# The assessment unlocks when every module is read


def test_the_assessment_is_locked_until_every_module_is_read(client, employee):
    page = course_page(client)
    assert "Read every module to unlock the assessment." in page
    assert "Start the assessment" not in page
    read_modules(client, positions=(1,))
    assert refused_start(client) == "Read every module to unlock the assessment."


def test_reading_every_module_unlocks_the_assessment(client, ready):
    assert "Start the assessment" in course_page(client)


def test_starting_shows_the_drawn_number_of_questions(client, ready):
    attempt_id, page = open_attempt_page(client)
    shown = shown_questions(page)
    assert len(shown) == 4
    assert all(numbers == ["1", "2", "3", "4"] for numbers in shown.values())
    attempt = db.session.get(Attempt, attempt_id)
    assert [item["question"] for item in attempt.drawn] == list(shown)
    texts = re.findall(r"Option (\w) of q\d+", page)
    assert texts == [key for item in attempt.drawn for key in item["options"]]
    kinds = {q.id: q.kind for q in stored(Question)}
    for input_type, question_id in re.findall(r'<input type="(\w+)" name="q(\d+)"', page):
        assert input_type == ("radio" if kinds[int(question_id)] == "single" else "checkbox")


def test_starting_again_while_an_attempt_is_open_returns_the_same_attempt(client, ready):
    first_id, first_page = open_attempt_page(client)
    second_id, second_page = open_attempt_page(client)
    assert second_id == first_id
    assert shown_questions(second_page) == shown_questions(first_page)
    assert count(Attempt) == 1
    assert "Continue the assessment" in course_page(client)


# Answers never reach the browser before grading


def test_the_attempt_page_shows_no_explanations_or_right_answers(client, ready):
    _attempt_id, page = open_attempt_page(client)
    assert "Explained-" not in page
    assert "correct" not in page.lower()
    assert " checked" not in page
    # Every option is written the same way: only its key and text differ.
    labels = re.findall(r'<label class="choice">(.*?)</label>', page)
    assert len(labels) == 16
    shapes = {re.sub(r'value="\w+"|Option \w of q\d', "", label) for label in labels}
    shapes = {re.sub(r'name="q\d+"', "", shape) for shape in shapes}
    assert len(shapes) <= 2  # a radio and a checkbox shape, nothing else


def test_the_attempt_page_does_not_depend_on_the_right_answers(client, ready):
    attempt_id, _page = open_attempt_page(client)

    def render() -> str:
        page = text_of(client.get(f"/training/attempts/{attempt_id}"))
        return re.sub(r'name="csrf_token" type="hidden" value="[^"]+"', "", page)

    before = render()
    db.session.execute(update(Question).values(correct=["d"], explanation="Something else."))
    db.session.commit()
    assert render() == before


# Submitting


def test_submitting_with_unanswered_questions_is_refused_and_keeps_the_ticks(client, ready):
    attempt_id, _page = open_attempt_page(client)
    fields = answers(attempt_id, right=4)
    left_out = list(fields)[-1]
    del fields[left_out]
    response = submit(client, attempt_id, fields)
    assert response.status_code == 400
    page = text_of(response)
    assert form_errors(page) == "<li>Answer every question before you submit (1 left).</li>"
    expected = {int(name[1:]): sorted(keys) for name, keys in fields.items()}
    assert {qid: sorted(keys) for qid, keys in ticked(page).items()} == expected
    attempt = stored(Attempt, id=attempt_id)[0]
    assert attempt.submitted_at is None and attempt.answers is None


def test_a_failing_submission_shows_the_score_explanations_and_cool_down(client, ready):
    attempt_id, _page = open_attempt_page(client)
    response = submit(client, attempt_id, answers(attempt_id, right=2))
    page = follow(client, response)
    assert "Not this time" in page
    assert "50%" in page and "Pass mark 75%" in page
    drawn_keys = {q.id: q.key for q in stored(Question)}
    for item in stored(Attempt, id=attempt_id)[0].drawn:
        assert explanation_of(drawn_keys[item["question"]]) in page
    assert page.count('badge-ok">right<') == 2 and page.count('badge-off">wrong<') == 2
    assert "You can try again from 09:10 UTC on 01 March." in page
    assert "1 attempt left." in page
    attempt = stored(Attempt, id=attempt_id)[0]
    assert (attempt.score, attempt.passed) == (50, False)
    assert latest_certificate(ready) is None
    assert len(audit_events("assessment.failed")) == 1


def test_starting_during_the_cool_down_is_refused(client, clock_at, ready):
    take_assessment(client, right=0)
    clock_at(minutes=9)
    assert refused_start(client).startswith("Take a moment to review the modules")
    assert "Next attempt from 09:10 UTC on 01 March." in course_page(client)


def test_after_the_cool_down_a_new_attempt_starts(client, clock_at, ready):
    first = take_assessment(client, right=0)
    clock_at(minutes=10)
    second = started_attempt_id(start_attempt(client))
    assert second != first


def test_after_the_attempt_limit_only_an_extra_attempt_from_an_admin_helps(
    app, client, clock_at, make_user, ready
):
    take_assessment(client, right=1)
    clock_at(minutes=10)
    take_assessment(client, right=1)
    clock_at(days=30)
    assert refused_start(client).startswith("You have used all your attempts.")
    assert "Attempts left</dt><dd>0 of 2" in course_page(client)

    admin = admin_client(app, make_user)
    response = post_form(admin, f"{COURSE_URL}/people/{ready.id}/extra-attempt")
    assert response.status_code == 303
    assert len(stored(AttemptGrant, user_id=ready.id)) == 1
    assert len(audit_events("assessment.attempt_granted")) == 1
    third = started_attempt_id(start_attempt(client))
    assert third not in [a.id for a in stored(Attempt)][:2]


def test_an_extra_attempt_also_lifts_the_cool_down(app, client, clock_at, make_user, ready):
    take_assessment(client, right=0)
    clock_at(minutes=1)
    assert refused_start(client).startswith("Take a moment")
    post_form(admin_client(app, make_user), f"{COURSE_URL}/people/{ready.id}/extra-attempt")
    started_attempt_id(start_attempt(client))


def test_an_employee_cannot_grant_themselves_an_extra_attempt(client, ready):
    response = post_form(client, f"{COURSE_URL}/people/{ready.id}/extra-attempt")
    assert response.status_code == 403
    assert stored(AttemptGrant) == []


def test_a_passing_submission_issues_a_certificate(client, ready):
    attempt_id = take_assessment(client, right=3)
    certificate = latest_certificate(ready)
    assert certificate is not None and CERTIFICATE_NUMBER.fullmatch(certificate.number)
    assert certificate.attempt_id == attempt_id
    assert certificate.expires_at == START + timedelta(days=365)
    attempt = stored(Attempt, id=attempt_id)[0]
    assert (attempt.score, attempt.passed) == (75, True)
    result = text_of(client.get(f"/training/attempts/{attempt_id}"))
    assert "You passed" in result and "75%" in result
    page = course_page(client)
    assert certificate.number in page
    assert "sharing is unlocked until 01 March 2031" in page
    assert "Start the assessment" not in page
    assert refused_start(client) == "You are certified on this version of the course."


def test_the_result_page_shows_the_certificate_number(client, ready):
    attempt_id = take_assessment(client, right=4)
    number = latest_certificate(ready).number
    result = text_of(client.get(f"/training/attempts/{attempt_id}"))
    assert number in result


def test_an_attempt_cannot_be_submitted_twice(client, ready):
    attempt_id = take_assessment(client, right=1)
    again = submit(client, attempt_id, answers(attempt_id, right=4))
    assert again.status_code == 200 and "Not this time" in text_of(again)
    attempt = stored(Attempt, id=attempt_id)[0]
    assert (attempt.score, attempt.passed) == (25, False)
    assert count(Certification) == 0
    with pytest.raises(ValidationFailed, match="already submitted"):
        assessment.submit_attempt(db.session, ready, attempt, {1: ["a"]})


def test_forged_answers_do_not_score(client, ready):
    attempt_id, _page = open_attempt_page(client)
    fields = answers(attempt_id, right=0)
    attempt = stored(Attempt, id=attempt_id)[0]
    for item in attempt.drawn:
        question = db.session.get(Question, item["question"])
        name = f"q{question.id}"
        if question.kind == "single":  # tick every option of a radio group
            fields[name] = ["1", "2", "3", "4"]
        else:  # numbers and keys that were never shown
            fields[name] = [*fields[name], "5", "0", "-1", "a"]
    fields["q999999"] = ["1"]
    follow(client, submit(client, attempt_id, fields))
    attempt = stored(Attempt, id=attempt_id)[0]
    assert attempt.score == 0 and not attempt.passed
    assert all(set(keys) <= set("abcd") for keys in attempt.answers.values())


def test_another_employee_cannot_open_or_submit_someone_elses_attempt(
    app, client, make_user, ready
):
    attempt_id, _page = open_attempt_page(client)
    other = make_user()
    intruder = app.test_client()
    sign_in(intruder, other.email)
    assert intruder.get(f"/training/attempts/{attempt_id}").status_code == 404
    response = post_form(intruder, f"/training/attempts/{attempt_id}", answers(attempt_id, 4))
    assert response.status_code == 404
    attempt = stored(Attempt, id=attempt_id)[0]
    assert attempt.submitted_at is None
    assert count(Certification) == 0


@pytest.mark.parametrize("role", ["admin", "marketer", "executive"])
def test_only_employees_take_the_course(app, course, make_user, role):
    person = make_user(roles=(role,))
    other = app.test_client()
    sign_in(other, person.email)
    assert other.get(COURSE_URL).status_code == 403
    assert other.get(f"{COURSE_URL}/modules/1").status_code == 403
    assert post_form(other, f"{COURSE_URL}/attempts").status_code == 403


def test_an_expired_holder_sees_why_and_may_take_the_assessment_again(
    client, clock_at, ready, course
):
    certify(ready, course, issued_at=START)
    clock_at(days=365)
    page = course_page(client)
    assert "Your certificate has expired. Take the assessment again to share." in page
    assert "Start the assessment" in page


def test_a_holder_may_renew_in_the_last_30_days(client, clock_at, ready, course):
    certify(ready, course, issued_at=START)
    clock_at(days=334)
    assert "Start the assessment" not in course_page(client)
    clock_at(days=336)
    assert "Start the assessment" in course_page(client)


def test_reading_carries_over_to_a_new_minor_version(client, ready, tmp_path):
    import_folder(write_course(tmp_path / "v11", version="1.1", extra_text=" Updated."))
    page = course_page(client)
    assert "2 of 2 read" in page and "Start the assessment" in page


def test_a_new_major_version_must_be_read_again(client, ready, tmp_path):
    import_folder(write_course(tmp_path / "v2", version="2.0", extra_text=" Rewritten."))
    page = course_page(client)
    assert "0 of 2 read" in page
    assert "Read every module to unlock the assessment." in page


def test_an_attempt_started_before_a_new_version_cannot_earn_a_certificate(
    client, ready, course_dir
):
    attempt_id, _page = open_attempt_page(client)
    fields = answers(attempt_id, right=4)
    import_folder(write_course(course_dir.parent / "v2", version="2.0"))

    response = submit(client, attempt_id, fields)

    assert response.status_code == 400
    assert "new version since you started" in form_errors(text_of(response))
    assert count(Certification) == 0


def test_extra_attempts_are_only_for_employees(app, client, course, make_user):
    executive = make_user(roles=("executive",))
    admin = admin_client(app, make_user)

    response = post_form(admin, f"{COURSE_URL}/people/{executive.id}/extra-attempt")

    assert response.status_code == 303
    assert count(AttemptGrant) == 0
    page = text_of(admin.get(response.headers["Location"]))
    assert "is not an employee" in page
