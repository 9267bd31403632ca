"""The benchmarks run and report what they claim, at small sizes: the shape of every result,
the sync's batching and idempotency, the naive baseline's matching. Not their speed: the
targets live in `python -m bench`, never in timed unit tests."""

from __future__ import annotations

import json
import math

import pytest

from advocacy.compliance.normalise import key
from bench import __main__ as cli
from bench import screening, sync
from bench.common import Options, Result, percentile

FIELDS = {
    "name", "metric", "value", "baseline", "baseline_name", "better", "target", "met",
    "details", "ratio",
}  # fmt: skip


def assert_result_shape(result: Result) -> dict:
    line = json.loads(result.line())
    assert set(line) == FIELDS
    assert line["better"] in ("higher", "lower") and isinstance(line["met"], bool)
    assert line["value"] > 0 and line["baseline"] > 0 and line["target"]
    expected = (
        result.value / result.baseline
        if result.better == "higher"
        else result.baseline / result.value
    )
    assert line["ratio"] == pytest.approx(expected, rel=1e-3)
    return line


def test_a_result_says_how_many_times_better_than_its_baseline_either_way():
    faster = Result("a", "items/s", 500.0, 100.0, "naive", "higher", ">= 1", True)
    fewer = Result("b", "requests", 100, 10_000, "one per share", "lower", "== 100", True)

    assert faster.ratio == 5.0 and fewer.ratio == 100.0
    assert json.loads(fewer.line())["ratio"] == 100.0


def test_percentiles_are_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.5) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile(samples, 0.07) == 7.0
    assert percentile([3.0], 0.99) == 3.0


def test_the_lexicon_has_a_thousand_distinct_terms_of_both_severities():
    terms = screening.lexicon()

    assert len(terms) == 1_000
    assert len({key(term.text) for term in terms}) == 1_000
    assert {term.severity for term in terms} == {"blocked", "flagged"}


def test_the_naive_baseline_finds_terms_as_whole_words_in_any_case():
    keys = ["project aurora", "nda", "risk-free returns"]

    assert screening.naive_terms("Big news on PROJECT Aurora today", keys) == ["project aurora"]
    assert screening.naive_terms("Our agenda for the week", keys) == []  # "nda" inside a word
    assert screening.naive_terms("risk-free returns!", keys) == ["risk-free returns"]


def test_screening_compares_chorus_with_the_naive_loop_on_the_same_captions():
    result = screening.measure(caption_count=300, term_count=1_000)

    line = assert_result_shape(result)
    assert line["name"] == "screening" and line["metric"] == "captions/s"
    assert line["better"] == "higher"
    details = line["details"]
    assert details["captions"] == 300 and details["terms"] == 1_000
    # Both find a term in the same captions, so the comparison is like for like.
    assert details["same_verdict_fraction"] == 1.0
    assert details["captions_with_a_term_chorus"] > 0
    assert details["p50_us"] <= details["p99_us"] <= details["max_us"]


def test_sync_reads_a_hundred_shares_a_request_and_never_duplicates_a_snapshot():
    shares = 250
    requests, throughput = sync.measure(shares=shares, authors=10, baseline_sample=20)

    line = assert_result_shape(requests)
    assert line["name"] == "sync.requests" and line["better"] == "lower"
    assert line["value"] == math.ceil(shares / 100) == line["details"]["minimum"]
    assert line["baseline"] == shares  # the naive sync: one request per share
    details = line["details"]
    assert details["first_writes_n"] and details["first_problems"] == []
    assert details["second_due"] == 0 and details["second_requests"] == 0
    assert details["second_adds_nothing"] and details["second_consumer_adds_nothing"]
    assert details["hour_later_requests"] == math.ceil(shares / 100)
    assert details["hour_later_new_snapshots"] == shares
    assert line["met"]

    line = assert_result_shape(throughput)
    assert line["name"] == "sync.throughput" and line["metric"] == "snapshots/s"
    assert line["details"]["snapshots"] == shares


def test_the_command_prints_one_json_line_per_result(capsys):
    status = cli.main(["screening", "--quick"])

    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["name"] for line in lines] == ["screening"]
    assert status == (0 if json.loads(lines[0])["met"] else 1)


@pytest.mark.parametrize(
    ("registry", "expected"),
    [({}, "no benchmark named 'redirect'"), ({"redirect": "bench.no_such_module"}, "not exist")],
)
def test_an_unknown_or_missing_benchmark_exits_2(monkeypatch, capsys, registry, expected):
    monkeypatch.setattr(cli, "BENCHMARKS", registry)

    assert cli.main(["redirect"]) == 2
    output = capsys.readouterr()
    assert output.out == "" and expected in output.err


def test_quick_options_pick_small_sizes(monkeypatch):
    seen = {}
    monkeypatch.setattr(screening, "measure", lambda n, terms: seen.setdefault("n", n))

    screening.run(Options(quick=True))

    assert seen["n"] == screening.QUICK_CAPTIONS
