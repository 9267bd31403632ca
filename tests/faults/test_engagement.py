"""Crediting colleague engagement while X misbehaves: the ask says why it was not read,
nobody is credited twice or lost, and the next hourly run credits everyone."""

from __future__ import annotations

import pytest

from tests.faults.conftest import SLOW
from tests.metrics.test_engagement import (
    X_POST_ID,
    credit,
    credits,
    make_ask,
    stored_ask,
)

FAULTS = {
    "timeout": {"latency_ms": int(SLOW * 1000)},
    "5xx": {"error_rate": 1.0},
    "malformed answer": {"malformed_json": True},
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_engagement_read_during_a_fault_is_credited_once_it_clears(
    app, sharer, marketer, colleague, state, waits, name
):
    bob = colleague("bob_on_x")
    ask = make_ask(marketer)
    state.engage("x", X_POST_ID, "bob_on_x", "like")
    state.engage("x", X_POST_ID, "bob_on_x", "reshare")
    state.set_faults("x", **FAULTS[name])

    report = credit(app)

    assert credits() == set() and report.checked == 0
    assert stored_ask(ask.id).engagers_problem.startswith("X could not say who engaged:")
    if name != "malformed answer":
        assert waits[:2] == [0.2, 0.4]  # tried again at once, waiting longer each time

    state.clear_faults()
    credit(app)
    credit(app)  # a second run (or a second worker) adds nothing

    assert credits() == {(bob.id, "like"), (bob.id, "reshare")}
    assert stored_ask(ask.id).engagers_problem is None
