"""The dashboard charts, read back from the JSON the page hands to plotly.js."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from dashboards import charts


def over_time_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-06-01", "2026-06-02", "2026-06-03"]),
            "potential_reach": [12_000, 15_500, 9_000],
            "impressions": [2_000.0, np.nan, 1_250.0],
            "clicks": [30, 12, 0],
        }
    )


def network_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "network": ["X", "LinkedIn"],
            "likes": [1_234, 56],
            "comments": [10, 4],
            "reshares": [7, np.nan],
            "clicks": [300, 25],
        }
    )


def content_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "title": ["Quarterly results", "Hiring in Lisbon", "Report"],
            "impressions": [50_000, np.nan, 900],
            "engagements": [4_321, 800, np.nan],
            "clicks": [120, 40, 3],
        }
    )


def advocates_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["Ann", "Bob"],
            "shares": [12, 3],
            "engagements": [2_500, 90],
            "clicks": [80, 2],
        }
    )


def departments_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "department": ["Sales", "Legal"],
            "employees": [40, 6],
            "certified": [30, 0],
            "shared": [15, 0],
            "coverage": [0.75, 0.0],
            "participation": [0.5, np.nan],
        }
    )


def funnel_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {"stage": ["Employees", "Certified", "Connected", "Shared"], "people": [200, 120, 80, 50]}
    )


CHARTS: dict[str, tuple[Callable[[pd.DataFrame], str | None], Callable[[], pd.DataFrame]]] = {
    "over_time": (charts.over_time, over_time_frame),
    "by_network": (charts.by_network, network_frame),
    "top_content": (charts.top_content, content_frame),
    "top_advocates": (charts.top_advocates, advocates_frame),
    "departments": (charts.departments, departments_frame),
    "funnel": (charts.funnel, funnel_frame),
}


def figure(name: str, frame: pd.DataFrame | None = None) -> dict:
    draw, sample = CHARTS[name]
    drawn = draw(sample() if frame is None else frame)
    assert drawn is not None
    return json.loads(drawn)


def traces(fig: dict, kind: str) -> list[dict]:
    return [trace for trace in fig["data"] if trace["type"] == kind]


@pytest.mark.parametrize("name", CHARTS)
def test_an_empty_frame_draws_nothing_so_the_page_shows_an_empty_state(name):
    draw, sample = CHARTS[name]
    assert draw(sample().iloc[:0]) is None


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_has_the_house_style(name):
    layout = figure(name)["layout"]
    template = layout["template"]["layout"]
    assert template["colorway"][0] == charts.ACCENT == "#4338ca"
    assert template["font"]["family"].startswith("system-ui")
    assert template["legend"]["orientation"] == "h"
    assert template["paper_bgcolor"] == "#ffffff"
    assert "histogram2dcontour" not in json.dumps(layout)  # not plotly's default template


@pytest.mark.parametrize("name", CHARTS)
def test_no_data_array_is_base64_encoded(name):
    """Plotly encodes numpy arrays as base64; the charts write plain lists (with null)."""
    assert "bdata" not in json.dumps(figure(name)["data"])


def test_over_time_puts_reach_impressions_and_clicks_on_one_time_axis():
    fig = figure("over_time")
    reach, impressions = traces(fig, "scatter")
    (clicks,) = traces(fig, "bar")
    assert reach["name"] == "Potential reach" and reach["y"] == [12_000, 15_500, 9_000]
    assert impressions["x"] == ["2026-06-01", "2026-06-02", "2026-06-03"]
    assert clicks["y"] == [30, 12, 0]
    assert {trace.get("xaxis", "x") for trace in fig["data"]} == {"x"}
    assert [trace["yaxis"] for trace in fig["data"]] == ["y", "y2", "y3"]
    assert fig["layout"]["hovermode"] == "x unified"
    assert impressions["hovertemplate"] == "%{y:,.0f}"  # thousands separators


def test_an_unmeasured_day_is_a_gap_in_the_line_not_zero():
    fig = figure("over_time")
    impressions = next(t for t in fig["data"] if t["name"] == "Impressions")
    assert impressions["y"] == [2_000, None, 1_250]
    assert impressions.get("connectgaps") in (None, False)
    assert fig["layout"]["xaxis"]["title"]["text"] == "Impressions: not measured on 1 of 3 days"


def test_weekly_periods_are_headed_as_weeks():
    weekly = over_time_frame().assign(
        period=pd.to_datetime(["2026-06-01", "2026-06-08", "2026-06-15"])
    )
    assert figure("over_time", weekly)["layout"]["xaxis"]["hoverformat"].startswith("Week of")
    assert figure("over_time")["layout"]["xaxis"]["hoverformat"].startswith("%a")


def test_over_time_accepts_nullable_integers_with_missing_values():
    frame = over_time_frame().astype({"impressions": "Int64"})
    impressions = figure("over_time", frame)["data"][1]
    assert impressions["y"] == [2_000, None, 1_250]


def test_engagement_by_network_is_grouped_bars_with_unknown_left_out():
    fig = figure("by_network")
    bars = traces(fig, "bar")
    assert [bar["name"] for bar in bars] == ["Likes", "Comments", "Reshares", "Clicks"]
    assert bars[0]["x"] == ["X", "LinkedIn"] and bars[0]["y"] == [1_234, 56]
    assert bars[2]["y"] == [7, None]
    assert fig["layout"]["barmode"] == "group"
    assert fig["layout"]["xaxis"]["title"]["text"] == "Not measured: reshares on LinkedIn"


def test_top_content_is_horizontal_bars_first_row_on_top():
    fig = figure("top_content")
    (bar,) = traces(fig, "bar")
    assert bar["orientation"] == "h"
    assert bar["x"] == [4_321, 800, None]
    assert bar["y"] == [0, 1, 2]
    low, high = fig["layout"]["yaxis"]["range"]
    assert low > high  # reversed: row 0 at the top
    assert bar["text"] == ["4,321", "800", "not measured"]
    assert bar["customdata"][0] == ["Quarterly results", "4,321", "50,000", "120"]
    assert bar["customdata"][1][2] == "not measured"  # impressions unknown


def test_an_item_without_engagements_says_not_measured_instead_of_a_bar():
    fig = figure("top_content")
    marks = [t for t in traces(fig, "scatter") if "not measured" in t["text"]]
    assert len(marks) == 1
    assert marks[0]["y"] == [2.0]


def test_long_titles_are_cut_to_forty_characters_with_the_full_title_in_the_hover():
    title = "An unusually long title about our quarterly results and the plans for next year"
    frame = content_frame().assign(title=[title, title, "Report"])
    fig = figure("top_content", frame)
    labels = next(t for t in traces(fig, "scatter") if t.get("hoverinfo") == "skip")
    assert labels["text"][0] == title[:39].rstrip() + "…"
    assert len(labels["text"][0]) == charts.LABEL_LENGTH
    (bar,) = traces(fig, "bar")
    assert bar["customdata"][0][0] == title
    assert bar["y"] == [0, 1, 2]  # equal titles stay two bars, not one category


def test_user_text_is_escaped_for_plotly_labels():
    frame = content_frame().assign(title=["<b>Bold</b> & <a href='x'>link</a>", "B", "C"])
    (bar,) = traces(figure("top_content", frame), "bar")
    escaped = "&lt;b&gt;Bold&lt;/b&gt; &amp; &lt;a href='x'&gt;link&lt;/a&gt;"
    assert bar["customdata"][0][0] == escaped


def test_top_advocates_shows_engagements_with_shares_and_clicks_in_the_hover():
    fig = figure("top_advocates")
    (bar,) = traces(fig, "bar")
    assert bar["x"] == [2_500, 90]
    assert bar["customdata"][0] == ["Ann", "2,500", "12", "80"]
    assert "Shares: %{customdata[2]}" in bar["hovertemplate"]


def test_departments_show_coverage_and_participation_as_percentages():
    fig = figure("departments")
    coverage, participation = traces(fig, "bar")
    assert coverage["x"] == [0.75, 0.0]
    assert coverage["text"] == ["75%", "0%"]
    assert coverage["customdata"][0] == ["Sales", "75% · 30 of 40"]
    assert participation["x"] == [0.5, None]
    assert fig["layout"]["xaxis"]["tickformat"] == ".0%"


def test_participation_where_nobody_is_certified_is_not_drawn_as_zero():
    fig = figure("departments")
    marks = [t for t in traces(fig, "scatter") if t["text"] == ["nobody certified"]]
    assert len(marks) == 1
    assert 1 < marks[0]["y"][0] < 1.5  # Legal's row, the participation half


def test_funnel_shows_each_stage_with_its_share_of_all_employees():
    fig = figure("funnel")
    (stages,) = traces(fig, "funnel")
    assert stages["y"] == ["Employees", "Certified", "Connected", "Shared"]
    assert stages["x"] == [200, 120, 80, 50]
    assert stages["text"] == ["200 · 100%", "120 · 60%", "80 · 40%", "50 · 25%"]


def test_a_funnel_without_employees_shows_no_percentages():
    frame = funnel_frame().assign(people=[0, 0, 0, 0])
    (stages,) = traces(figure("funnel", frame), "funnel")
    assert stages["text"] == ["0", "0", "0", "0"]


def test_a_metric_missing_all_period_says_so_under_the_chart():
    frame = over_time_frame().assign(impressions=np.nan)
    fig = figure("over_time", frame)
    assert fig["data"][1]["y"] == [None, None, None]
    assert fig["layout"]["xaxis"]["title"]["text"] == "Impressions: not measured in this period"


def test_each_unmeasured_metric_gets_its_own_line_under_the_bars():
    frame = network_frame().assign(comments=[np.nan, np.nan])
    note = figure("by_network", frame)["layout"]["xaxis"]["title"]["text"]
    assert note == "Not measured: comments on X, LinkedIn<br>Not measured: reshares on LinkedIn"


@pytest.mark.parametrize("name", CHARTS)
def test_no_chart_uses_markup_plotly_draws_with_style_attributes(name):
    """Plotly draws <b>, <i> and <span style> with style attributes, which the CSP refuses."""
    drawn = json.dumps(figure(name))
    assert not any(tag in drawn for tag in ("<b>", "<i>", "<span"))
