"""The quiz engine: drawing at random, grading on the server, the exact pass mark."""

from __future__ import annotations

import random

import pytest

from training.quiz import Drawn, Graded, draw, grade, is_pass, score_percent

BANK = {qid: ["a", "b", "c", "d"] for qid in range(1, 21)}


def graded(right: int, total: int) -> list[Graded]:
    return [Graded(i, ["a"], ["a"] if i < right else ["b"]) for i in range(total)]


def test_draw_takes_the_asked_number_without_duplicates():
    drawn = draw(BANK, 12, random.Random(1))
    assert len(drawn) == 12
    assert len({d.question_id for d in drawn}) == 12
    assert {d.question_id for d in drawn} <= set(BANK)


def test_draw_never_takes_more_than_the_bank():
    assert len(draw({1: ["a", "b"], 2: ["a", "b"]}, 5, random.Random(1))) == 2


def test_drawn_options_are_a_permutation_of_the_question_options():
    bank = {1: ["a", "b", "c", "d", "e", "f"], 2: ["a", "b"], 3: ["a", "b", "c"]}
    for item in draw(bank, 3, random.Random(7)):
        assert sorted(item.option_order) == bank[item.question_id]


def test_draw_does_not_change_the_bank():
    bank = {1: ["a", "b", "c", "d"]}
    draw(bank, 1, random.Random(3))
    assert bank == {1: ["a", "b", "c", "d"]}


def test_different_seeds_draw_different_questions_and_orders():
    draws = [draw(BANK, 5, random.Random(seed)) for seed in range(20)]
    question_sets = {tuple(sorted(d.question_id for d in drawn)) for drawn in draws}
    first_orders = {tuple(drawn[0].option_order) for drawn in draws}
    assert len(question_sets) > 10
    assert len(first_orders) > 5


def test_the_same_seed_draws_the_same():
    assert draw(BANK, 5, random.Random(42)) == draw(BANK, 5, random.Random(42))


def test_without_a_seed_draws_vary():
    draws = {tuple(d.question_id for d in draw(BANK, 5)) for _ in range(10)}
    assert len(draws) > 1


def test_every_option_position_is_used_for_the_right_answer():
    """Shuffling means the right answer is not always shown in the same place."""
    bank = {1: ["a", "b", "c", "d"]}
    positions = {
        draw(bank, 1, random.Random(seed))[0].option_order.index("a") for seed in range(50)
    }
    assert positions == {0, 1, 2, 3}


# Grading

DRAWN = [Drawn(1, ["c", "a", "b"]), Drawn(2, ["b", "a", "d", "c"])]
CORRECT = {1: ["a"], 2: ["a", "c"]}


def test_grading_a_single_choice_question():
    result = grade(DRAWN, {1: ["a"], 2: ["b"]}, CORRECT)
    assert [g.right for g in result] == [True, False]
    assert result[0] == Graded(1, ["a"], ["a"])


def test_multiple_choice_needs_all_and_only_the_right_options():
    assert grade(DRAWN, {2: ["c", "a"]}, CORRECT)[1].right
    assert not grade(DRAWN, {2: ["a"]}, CORRECT)[1].right
    assert not grade(DRAWN, {2: ["a", "c", "d"]}, CORRECT)[1].right
    assert not grade(DRAWN, {2: ["a", "b", "c", "d"]}, CORRECT)[1].right


def test_duplicate_ticks_count_once():
    assert grade(DRAWN, {2: ["a", "a", "c"]}, CORRECT)[1].right


def test_forged_options_that_were_not_shown_are_ignored():
    drawn = [Drawn(1, ["b", "c"])]  # option a was not shown
    result = grade(drawn, {1: ["a"]}, {1: ["a"]})
    assert result[0].chosen == [] and not result[0].right


def test_answers_to_questions_not_drawn_are_ignored():
    result = grade(DRAWN, {1: ["a"], 2: ["a", "c"], 99: ["a"]}, CORRECT)
    assert [g.question_id for g in result] == [1, 2]


def test_unanswered_questions_are_wrong():
    assert [g.right for g in grade(DRAWN, {}, CORRECT)] == [False, False]


@pytest.mark.parametrize(
    ("right", "total", "pass_mark", "passes", "score"),
    [
        (3, 4, 75, True, 75),  # exactly on the mark
        (2, 4, 75, False, 50),
        (2, 3, 67, False, 66),  # 66.67 % is below 67
        (2, 3, 66, True, 66),
        (4, 5, 80, True, 80),
        (11, 12, 92, False, 91),  # 91.67 %
        (12, 12, 100, True, 100),
        (0, 4, 1, False, 0),
    ],
)
def test_the_pass_mark_is_exact(right, total, pass_mark, passes, score):
    result = graded(right, total)
    assert is_pass(result, pass_mark) is passes
    assert score_percent(result) == score


def test_the_score_is_rounded_down_never_up():
    assert score_percent(graded(2, 3)) == 66
    assert score_percent(graded(1, 3)) == 33


def test_nothing_graded_is_not_a_pass():
    assert score_percent([]) == 0
    assert is_pass([], 1) is False
