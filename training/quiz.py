"""The assessment: draw questions at random, shuffle their options, grade on the server."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_system_random = random.SystemRandom()


@dataclass(frozen=True)
class Drawn:
    """A question as shown in one attempt: which one, and its options in the order shown."""

    question_id: int
    option_order: list[str]


@dataclass(frozen=True)
class Graded:
    question_id: int
    chosen: list[str]
    correct: list[str]

    @property
    def right(self) -> bool:
        return sorted(self.chosen) == sorted(self.correct)


def draw(
    bank: Mapping[int, Sequence[str]], count: int, rng: random.Random | None = None
) -> list[Drawn]:
    """`count` questions from `bank` (question id -> option keys), each with shuffled options."""
    rng = rng or _system_random
    chosen = rng.sample(sorted(bank), min(count, len(bank)))
    drawn = []
    for question_id in chosen:
        order = list(bank[question_id])
        rng.shuffle(order)
        drawn.append(Drawn(question_id, order))
    return drawn


def grade(
    drawn: Sequence[Drawn],
    answers: Mapping[int, Sequence[str]],
    correct: Mapping[int, Sequence[str]],
) -> list[Graded]:
    """Each drawn question graded: right when all and only the right options are chosen.

    Options that were not shown are ignored, so a forged answer cannot score."""
    graded = []
    for item in drawn:
        shown = set(item.option_order)
        chosen = sorted({key for key in answers.get(item.question_id, ()) if key in shown})
        graded.append(Graded(item.question_id, chosen, sorted(correct[item.question_id])))
    return graded


def score_percent(graded: Sequence[Graded]) -> int:
    """The share of right answers in whole percent, rounded down (never rounds up to a pass)."""
    return 100 * sum(g.right for g in graded) // len(graded) if graded else 0


def is_pass(graded: Sequence[Graded], pass_mark: int) -> bool:
    """Exact: right / total >= pass_mark %, with no rounding."""
    return bool(graded) and 100 * sum(g.right for g in graded) >= pass_mark * len(graded)
