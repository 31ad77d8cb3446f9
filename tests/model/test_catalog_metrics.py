"""The metric catalog against SPEC 3 and the engine: one Metric per name, none SPEC lacks.

SPEC.md is read from ``../shared/SPEC.md`` beside the repository when it is
there (and the verbatim copy ``tests/data/SPEC.md`` must equal it), else from
the copy, so that CI, which clones the repository only, reads the same text.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from saas_sim.analysis.diagnosis import CHECKS
from saas_sim.cli import app
from saas_sim.model import formulas
from saas_sim.model.catalog import metrics as catalog
from saas_sim.model.catalog.metrics import (
    CAC,
    COMPANY_ONLY_SERIES,
    COMPANY_ONLY_SUMMARY,
    MEAN_METRICS,
    METRICS,
    NEVER_SUMMARY,
    SEGMENT_ONLY_SERIES,
    SERIES,
    SERIES_NAMES,
    SUMMARY,
    SUMMARY_METRICS,
    UNIT_ECONOMICS,
    Metric,
    glossary_groups,
    label_of,
    statistic_name,
)
from saas_sim.render.format import format_compact, formatter_for, metric_label

ROOT = Path(__file__).resolve().parents[2]
SPEC_COPY = ROOT / "tests" / "data" / "SPEC.md"
SPEC_SHARED = ROOT.parent / "shared" / "SPEC.md"
SPEC_TEXT = (SPEC_SHARED if SPEC_SHARED.exists() else SPEC_COPY).read_text(encoding="utf-8")

# Series SPEC names that the engine does not produce yet: each leaves this list when it lands.
PENDING: dict[str, int] = {}


def spec_section(title: str) -> str:
    """The text of the SPEC section whose heading starts with ``title``, up to the next heading."""
    match = re.search(rf"^#+ {re.escape(title)}.*?\n(.*?)(?=^#)", SPEC_TEXT, flags=re.S | re.M)
    assert match, f"SPEC has no section {title}"
    return match.group(1)


def spec_table(title: str) -> dict[str, str]:
    """Each name of a SPEC metrics table with its definition, in the table's order."""
    rows: dict[str, str] = {}
    for line in spec_section(title).splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or cells[0] in ("name", "check") or set(cells[0]) <= set("-"):
            continue
        for name in cells[0].split(","):
            name = name.strip()
            assert re.fullmatch(r"[a-z][a-z0-9_]*", name), f"not a metric name in SPEC {title}: {name!r}"
            assert name not in rows, f"SPEC {title} names {name} twice"
            rows[name] = " | ".join(cells[1:])
    return rows


SPEC_SERIES = spec_table("3.1")
SPEC_SUMMARY = spec_table("3.2")


@pytest.fixture(scope="module")
def result() -> dict:
    """A tiny seeded run's result document (SPEC 5), with two segments."""
    command = ["run", "scenarios/enterprise-annual.yaml", "--no-save", "--paths", "20", "--seed", "3", "--json", "-"]
    done = CliRunner().invoke(app, command, env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def test_the_copy_of_spec_in_the_repository_is_verbatim():
    assert SPEC_COPY.read_text(encoding="utf-8").startswith("# saas-sim")
    if SPEC_SHARED.exists():  # beside a clone without it, the copy is all there is
        assert SPEC_COPY.read_bytes() == SPEC_SHARED.read_bytes(), "copy ../shared/SPEC.md to tests/data/SPEC.md"


def test_the_spec_tables_are_read():
    assert {"customers", "paid_new", "referral_new", "net_burn", "cac"} <= set(SPEC_SERIES)
    assert {"arr_end", "cash_end", "cac", "payback_months_with_churn", "rule_of_40"} <= set(SPEC_SUMMARY)


def test_every_spec_series_has_one_metric_in_spec_order_except_the_pending():
    assert list(SERIES_NAMES) == [name for name in SPEC_SERIES if name not in PENDING]
    assert len(set(SERIES_NAMES)) == len(SERIES_NAMES)
    assert all(metric.is_series for metric in SERIES)


def test_every_spec_summary_metric_has_one_metric_in_spec_order():
    assert list(SUMMARY_METRICS) == list(SPEC_SUMMARY)
    assert len(set(SUMMARY_METRICS)) == len(SUMMARY_METRICS)
    assert all(metric.is_summary for metric in SUMMARY)


def test_the_catalog_has_no_name_spec_lacks_and_one_entry_per_name():
    assert set(METRICS) == (set(SPEC_SERIES) | set(SPEC_SUMMARY)) - set(PENDING)
    assert all(METRICS[name].name == name for name in METRICS)
    both = set(SERIES_NAMES) & set(SUMMARY_METRICS)
    assert both == {"cac"} and METRICS["cac"] is CAC and CAC.role == "both"
    roles = {name: ("both" if name in both else "series" if name in SERIES_NAMES else "summary") for name in METRICS}
    assert {name: metric.role for name, metric in METRICS.items()} == roles


def test_pending_series_are_neither_in_the_catalog_nor_in_a_result(result):
    assert set(PENDING) <= set(SPEC_SERIES), "a pending name SPEC no longer has"
    for name in PENDING:
        assert name not in METRICS
        assert name not in result["series"]
        assert all(name not in segment["series"] for segment in result["segments"].values())


def test_the_engine_returns_exactly_the_catalog(result):
    assert set(result["series"]) == set(SERIES_NAMES) - set(SEGMENT_ONLY_SERIES)
    assert set(result["summary"]) == set(SUMMARY_METRICS)
    assert len(result["segments"]) >= 2
    for segment in result["segments"].values():
        assert set(segment["series"]) == set(SERIES_NAMES) - set(COMPANY_ONLY_SERIES)
        assert set(segment["summary"]) == set(SUMMARY_METRICS) - set(COMPANY_ONLY_SUMMARY)


def test_company_only_as_spec_says():
    said = {name for name, definition in SPEC_SERIES.items() if "company only" in definition}
    # A row naming several series says which one is company only: "(fixed_costs company only)".
    said = {
        name for name in said if f"{name} company only" in SPEC_SERIES[name] or "(company only" in SPEC_SERIES[name]
    }
    assert set(COMPANY_ONLY_SERIES) == said - set(PENDING)
    assert {"cash_end", "cash_min", "out_of_cash", "cash_out_month", "burn_multiple"} <= set(COMPANY_ONLY_SUMMARY)


def test_every_formula_home_is_a_function_with_a_docstring():
    for metric in METRICS.values():
        module_name, _, function_name = metric.formula_home.rpartition(".")
        function = getattr(importlib.import_module(module_name), function_name)
        assert inspect.isfunction(function), metric.formula_home
        assert (inspect.getdoc(function) or "").strip(), f"{metric.formula_home} has no docstring"


def test_the_statistic_read_is_the_mean_only_where_spec_says_the_mean_is_the_probability():
    said = {name for name, definition in SPEC_SUMMARY.items() if "its mean is the probability" in definition}
    assert set(MEAN_METRICS) == said == {"out_of_cash"}
    assert all(statistic_name(name) == ("mean" if name in said else "p50") for name in METRICS)
    assert statistic_name("not_a_metric") == "p50"


def test_never_is_where_spec_says_never():
    said = {name for name, definition in SPEC_SUMMARY.items() if "**never**" in definition}
    assert set(NEVER_SUMMARY) == said == {"payback_months_with_churn"}
    # Whatever counts inf as never also reads an undefined p50 as never; so does the month cash runs out.
    reads_never = {name for name, metric in METRICS.items() if metric.undefined_p50_reads_never}
    assert reads_never == set(NEVER_SUMMARY) | {"cash_out_month"}


def test_the_unit_economics_are_the_ones_spec_weighs_by_new_accounts():
    paragraph = next(p for p in SPEC_TEXT.split("\n\n") if p.startswith("Company-level"))
    named = re.findall(r"`([a-z_*]+)`", paragraph)
    expected = {name for pattern in named for name in SUMMARY_METRICS if re.fullmatch(pattern.replace("*", ".*"), name)}
    assert set(UNIT_ECONOMICS) == expected
    assert list(UNIT_ECONOMICS) == [name for name in SUMMARY_METRICS if name in expected]


def test_the_diagnosis_reads_the_statistic_spec_names():
    rows = spec_section("3.4")
    checks = dict(re.findall(r"^\| ([a-z_0-9]+) \((p50|mean)", rows, flags=re.M))
    assert checks == {check.metric: check.statistic for check in CHECKS}


GRADE_ORDER = {"ok": 0, "warn": 1, "bad": 2}


@given(st.data())
def test_a_diagnosis_grade_never_worsens_the_way_the_catalog_says_is_better(data):
    check = data.draw(st.sampled_from(CHECKS))
    better = METRICS[check.metric].better
    assert better is not None, f"the diagnosis grades {check.metric}: which way is better?"
    low, high = sorted(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=2)))
    worse, best = (low, high) if better == "higher" else (high, low)
    assert GRADE_ORDER[check.grade(best)] <= GRADE_ORDER[check.grade(worse)]


def test_glossary_groups_list_every_metric_once_in_reading_order():
    groups = glossary_groups()
    listed = [name for _, names in groups for name in names]
    assert sorted(listed) == sorted(METRICS)
    assert groups[-1][0] == "Summary: one value per path"
    assert [name for _, names in groups[:-1] for name in names] == list(SERIES_NAMES)
    assert groups[-1][1] == tuple(name for name in SUMMARY_METRICS if name not in SERIES_NAMES)
    assert all(metric.meaning.strip() and metric.formula.strip() for metric in METRICS.values())


def test_labels_as_the_screens_show_them():
    assert metric_label("ltv_cac") == "LTV/CAC" and metric_label("nrr_12m_end") == "NRR 12m end"
    assert metric_label("cash") == "Cash" and metric_label("not_yet_named") == label_of("not_yet_named")
    assert METRICS["out_of_cash"].table_label == "Out of cash (probability)"
    assert METRICS["cash_out_month"].table_label == "Cash out month (when out)"
    assert METRICS["payback_months_with_churn"].card_label == "Payback"
    assert METRICS["mrr_end"].card_label == METRICS["mrr_end"].table_label == "MRR end"


def test_every_kind_but_plain_numbers_has_its_own_format():
    for metric in METRICS.values():
        formatted = formatter_for(metric.name, "EUR")(1234.5)
        if metric.kind == "number":
            assert formatted == format_compact(1234.5)
        elif metric.kind == "money":
            assert formatted.startswith("€")
        else:
            assert formatted != format_compact(1234.5), metric.name


def test_compare_colours_a_difference_the_way_the_catalog_says_is_better():
    from saas_sim.render.compare import _difference_style

    assert _difference_style("arr_end", 1.0) == "green"
    assert _difference_style("out_of_cash", 0.1) == "red"
    assert _difference_style("burn_multiple", -0.5) == "green"  # was left uncoloured before the catalog
    assert _difference_style("new_customers", 3.0) == ""  # a series: neither way is judged


# -- a derived metric is one declaration (issue 14, item 7) --

ARPA = Metric(
    "throwaway_arpa",
    "series",
    "money",
    catalog.MRR,
    "Revenue per account (a throwaway metric, declared here and nowhere else).",
    "mrr / customers",
    "saas_sim.model.metrics.series_recipes",
    derive=lambda v: formulas.ratio(v["mrr"], v["customers"]),
)
ARPA_END = Metric(
    "throwaway_arpa_end",
    "summary",
    "money",
    catalog.PER_PATH,
    "Revenue per account at the end of the horizon (throwaway).",
    "arpa at t = H",
    "saas_sim.model.metrics.summary",
    summarize=lambda v: formulas.ratio(v.summary("mrr_end"), v.summary("customers_end")),  # other summaries
)
BURN_PER_ACCOUNT = Metric(
    "throwaway_burn_per_account",
    "series",
    "number",
    catalog.MONEY,
    "Net burn per account (throwaway, company only).",
    "net_burn / customers",
    "saas_sim.model.metrics.series_recipes",
    company_only=True,
    derive=lambda v: formulas.ratio(v["net_burn"], v["customers"]),
)


@pytest.fixture
def throwaway_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog's tuples with the throwaway metrics added, as one declaration in SERIES/SUMMARY would."""
    monkeypatch.setattr(catalog, "SERIES", (*catalog.SERIES, ARPA, BURN_PER_ACCOUNT))
    monkeypatch.setattr(catalog, "SUMMARY", (*catalog.SUMMARY, ARPA_END))


def test_a_derived_metric_declared_once_is_computed_per_path(throwaway_metrics):
    from saas_sim.engine.simulate import simulate_per_path
    from saas_sim.io.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "enterprise-annual.yaml")
    scenario = dataclasses.replace(scenario, simulation=dataclasses.replace(scenario.simulation, paths=40, seed=5))
    company, segments = simulate_per_path(scenario)
    assert len(segments) >= 2
    for name, view in [("company", company), *segments.items()]:
        series, summary = view["series"], view["summary"]
        mrr, customers = series["mrr"], series["customers"]
        with np.errstate(invalid="ignore", divide="ignore"):
            expected = np.where(customers != 0, mrr / np.where(customers != 0, customers, 1.0), np.nan)
        np.testing.assert_array_equal(series["throwaway_arpa"], expected, err_msg=name)
        np.testing.assert_array_equal(summary["throwaway_arpa_end"], expected[:, -1], err_msg=name)
        # in the catalog's order, the company-only metrics last (as the result has always listed them)
        company_only = (
            ["fixed_costs", "cash", "net_burn", "closed", "funding_in", "csm_headcount", "throwaway_burn_per_account"]
            if name == "company"
            else []
        )
        assert list(series)[-1 - len(company_only) :] == ["throwaway_arpa", *company_only]
        shared = len(SUMMARY_METRICS) - len(COMPANY_ONLY_SUMMARY)
        assert list(summary)[shared] == "throwaway_arpa_end"
        assert len(summary) == shared + 1 + (len(COMPANY_ONLY_SUMMARY) if name == "company" else 0)
    np.testing.assert_array_equal(
        company["series"]["throwaway_burn_per_account"],
        formulas.ratio(company["series"]["net_burn"], company["series"]["customers"]),
    )


def test_a_derived_metric_declared_once_is_reported_in_the_result_document(throwaway_metrics):
    command = ["run", "scenarios/enterprise-annual.yaml", "--no-save", "--paths", "20", "--seed", "3", "--json", "-"]
    done = CliRunner().invoke(app, command, env={"NO_COLOR": "1"}, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    document = json.loads(done.stdout)
    assert "throwaway_arpa" in document["series"] and "throwaway_arpa_end" in document["summary"]
    assert "throwaway_burn_per_account" in document["series"]
    for segment in document["segments"].values():
        assert "throwaway_arpa" in segment["series"] and "throwaway_arpa_end" in segment["summary"]
        assert "throwaway_burn_per_account" not in segment["series"]
    p50 = document["series"]["throwaway_arpa"]["p50"]
    assert len(p50) == document["horizon_months"] and all(value > 0 for value in p50)
    assert document["summary"]["throwaway_arpa_end"]["p50"] == p50[-1]  # the last month's, described the same way


def test_a_metric_that_says_how_it_is_computed_only_where_its_role_has_a_use():
    with pytest.raises(ValueError, match="only a series is derived"):
        dataclasses.replace(ARPA_END, derive=lambda v: v["mrr"])
    with pytest.raises(ValueError, match="only a summary metric is summarized"):
        dataclasses.replace(ARPA, summarize=lambda v: v.end("mrr"))
    with pytest.raises(ValueError, match="summarized, or the kernel computes it"):
        dataclasses.replace(ARPA_END, summarize=None)
    assert all(metric.summarize is not None or metric.unit_economics for metric in SUMMARY)
    derived_or_same = {metric.name for metric in SERIES if metric.derive is not None or metric.same_as}
    assert {"arr", "cac", "nrr_12m", "net_burn", "revenue"} <= derived_or_same
    assert METRICS["revenue"].same_as == "mrr" and METRICS["revenue"].derive is None


def test_names_that_are_one_series_share_one_recipe_and_one_array():
    from saas_sim.model.metrics import LazySeries, segment_series

    recorded = [metric.name for metric in SERIES if metric.derive is None and not metric.same_as]
    raw = {name: np.arange(6.0).reshape(2, 3) + i for i, name in enumerate([*recorded, "nrr_12m_numerator"])}
    raw["grr_12m_numerator"] = raw["nrr_12m_numerator"]
    raw.update(customers0=np.ones(2), mrr0=np.ones(2))
    lazy = LazySeries(raw, company=False)
    assert lazy.recipe("revenue") is lazy.recipe("mrr")
    assert lazy.recipe("arr") is not lazy.recipe("mrr")
    assert lazy["arr"] is not lazy["arr"]  # made afresh at each read, not kept
    held = segment_series(raw, company=False)
    assert held["revenue"] is held["mrr"] is raw["mrr"]
    assert list(held) == list(lazy) == [name for name in SERIES_NAMES if name not in COMPANY_ONLY_SERIES]
    for name in lazy:
        np.testing.assert_array_equal(lazy[name], held[name])
