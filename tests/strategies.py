"""Hypothesis strategies for valid scenarios, shared by the test suite.

``scenario_documents()`` draws a scenario as the plain data a user would
write in YAML, in every value form SPEC.md section 1 accepts (plain numbers,
``"5%"``, ``"2k"``, ``"1_500"``, ranges and distributions);
``scenario_texts()`` dumps it to YAML and ``scenarios()`` parses it into a
validated :class:`~saas_sim.model.scenario.Scenario`.  Horizons, path counts
and money stay small so that engine property tests run fast.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

from saas_sim.io.scenario import parse_scenario
from saas_sim.model.scenario import Scenario

SEGMENT_NAMES = ("SMB", "Mid-market", "Enterprise", "Self serve", "Agencies")


class _Writer:
    """Draws values in the written forms; notes the dotted paths it made uncertain."""

    def __init__(self, draw: Any, uncertainty: bool):
        self.draw = draw
        self.uncertainty = uncertainty
        self.uncertain_paths: list[str] = []

    def money(self, path: str | None, low: int, high: int, uncertain: bool = True) -> object:
        """A sum of money between ``low`` and ``high``."""
        return self._value(path, low, high, 1, uncertain)

    def percent(self, path: str | None, low: int, high: int, uncertain: bool = True) -> object:
        """A rate between ``low`` % and ``high`` %."""
        return self._value(path, low, high, 100, uncertain)

    def decimal(self, path: str | None, low: int, high: int, divisor: int, uncertain: bool = True) -> object:
        """A number ``k / divisor`` with ``low <= k <= high``."""
        return self._value(path, low, high, divisor, uncertain)

    def _value(self, path: str | None, low: int, high: int, divisor: int, uncertain: bool) -> object:
        draw = self.draw
        if uncertain and self.uncertainty and high > low and draw(st.integers(0, 7)) == 0:
            if path is not None:
                self.uncertain_paths.append(path)
            return self._uncertain(low, high, divisor)
        k = draw(st.integers(low, high))
        form = draw(st.sampled_from(("plain", "plain", "text")))
        if form == "plain":
            return k if divisor == 1 else k / divisor
        if divisor == 100:
            return f"{k}%"
        if divisor == 1:
            return draw(st.sampled_from((f"{k:_}", f"{k / 1000:g}k" if k % 10 == 0 else str(k))))
        return str(k / divisor)

    def _uncertain(self, low: int, high: int, divisor: int) -> object:
        draw = self.draw
        a = draw(st.integers(low, high - 1))
        b = draw(st.integers(a + 1, high))
        lo, hi, mid = a / divisor, b / divisor, (a + b) / 2 / divisor
        forms = ["range", "low_high", "normal", "normal_p", "uniform", "triangular"]
        if a > 0:
            forms += ["lognormal", "lognormal_moments"]
        if divisor == 100 and high <= 100:
            forms.append("beta")
        form = draw(st.sampled_from(forms))
        if form == "range":
            return f"{a}%..{b}%" if divisor == 100 else f"{lo}..{hi}"
        if form == "low_high":
            return {"low": lo, "high": hi}
        if form == "normal":
            return {"dist": "normal", "mean": mid, "sd": (hi - lo) / 4}
        if form == "normal_p":
            return {"dist": "normal", "p5": lo, "p95": hi}
        if form == "uniform":
            return {"dist": "uniform", "low": lo, "high": hi}
        if form == "triangular":
            return {"dist": "triangular", "low": lo, "mode": draw(st.integers(a, b)) / divisor, "high": hi}
        if form == "lognormal":
            return {"dist": "lognormal", "p5": lo, "p95": hi}
        if form == "lognormal_moments":
            return {"dist": "lognormal", "mean": mid, "sd": (hi - lo) / 4}
        return {"dist": "beta", "alpha": draw(st.integers(1, 5)), "beta": draw(st.integers(1, 30))}


def _maybe(draw: Any, probability_in_4: int = 2) -> bool:
    return draw(st.integers(0, 3)) < probability_in_4


def _segment(w: _Writer, name: str, share: object | None) -> dict[str, object]:
    draw = w.draw
    at = f"segments.{name}"
    segment: dict[str, object] = {"name": name}
    if share is not None:
        segment["spend_share"] = share
    if _maybe(draw, 3):
        segment["cac"] = w.money(f"{at}.cac", 100, 5_000)
    else:
        segment["funnel"] = {
            "cost_per_lead": w.money(f"{at}.funnel.cost_per_lead", 1, 200),
            "lead_to_trial": w.percent(f"{at}.funnel.lead_to_trial", 5, 60),
            "trial_to_paid": w.percent(f"{at}.funnel.trial_to_paid", 5, 60),
        }
    if _maybe(draw, 1):
        segment["cac_elasticity"] = w.decimal(f"{at}.cac_elasticity", 0, 50, 100)
    segment["arpa_monthly"] = w.money(f"{at}.arpa_monthly", 20, 2_000)
    if _maybe(draw, 1):  # the installed base by tenure, as calibrate writes it
        segment["starting_cohorts"] = [
            {"tenure_months": tenure, "customers": customers, "mrr": draw(st.integers(0, customers * 2_000))}
            for tenure, customers in draw(
                st.lists(st.tuples(st.integers(0, 40), st.integers(1, 120)), min_size=1, max_size=6)
            )
        ]
    else:
        customers = draw(st.integers(0, 200)) if _maybe(draw) else None
        if customers is not None:
            segment["starting_customers"] = customers
            if customers > 0 and _maybe(draw, 1):
                segment["starting_mrr"] = w.money(f"{at}.starting_mrr", customers * 20, customers * 2_000)
        if _maybe(draw, 1):
            segment["starting_tenure_months"] = draw(st.integers(0, 24))
    if _maybe(draw):
        segment["contract_months"] = draw(st.sampled_from((1, 1, 3, 12, 24)))
    if _maybe(draw):
        segment["billing"] = draw(st.sampled_from(("monthly", "upfront")))
    form = draw(st.sampled_from(("monthly", "monthly", "annual", "alpha and beta")))
    if form == "alpha and beta":
        churn: dict[str, object] = {
            "alpha": w.decimal(f"{at}.churn.alpha", 5, 50, 10),
            "beta": w.decimal(f"{at}.churn.beta", 10, 300, 10),
        }
    else:
        churn = (
            {"monthly": w.percent(f"{at}.churn.monthly", 0, 15)}
            if form == "monthly"
            else {"annual": w.percent(f"{at}.churn.annual", 0, 60)}
        )
        if _maybe(draw, 1):
            churn["heterogeneity"] = w.percent(f"{at}.churn.heterogeneity", 0, 60)
    segment["churn"] = churn
    for key, high in (("expansion_monthly", 5), ("contraction_monthly", 3), ("referrals_monthly", 3)):
        if _maybe(draw, 1):
            segment[key] = w.percent(f"{at}.{key}", 0, high)
    segment["gross_margin"] = w.percent(f"{at}.gross_margin", 40, 95)
    if _maybe(draw, 1):
        segment["retention_cost_monthly"] = w.money(f"{at}.retention_cost_monthly", 0, 50)
    return segment


def _shares(draw: Any, count: int) -> list[float]:
    weights = draw(st.lists(st.integers(1, 5), min_size=count, max_size=count))
    return [weight / sum(weights) for weight in weights]


def _events(w: _Writer, horizon: int, segments: list[dict[str, object]]) -> list[dict[str, object]]:
    draw = w.draw
    names = [str(s["name"]) for s in segments]
    used: set[tuple[int, str]] = set()
    events: list[dict[str, object]] = []
    for _ in range(draw(st.integers(0, 3))):
        month = draw(st.integers(1, horizon))
        event: dict[str, object] = {"month": month}
        if _maybe(draw, 1):
            event["note"] = draw(st.sampled_from(("Funding round", "Price change", "New onboarding")))
        changes: dict[str, object] = {}
        for _ in range(draw(st.integers(0, 2))):
            segment = draw(st.sampled_from(segments))
            at = f"segments.{segment['name']}"
            churn_key = next(iter(segment["churn"]))  # type: ignore[call-overload]
            options: dict[str, Any] = {
                "company.fixed_costs_monthly": lambda p: w.money(None, 0, 200_000),
                "acquisition.spend_monthly": lambda p: w.money(None, 0, 100_000),
                "acquisition.spend_growth_monthly": lambda p: w.percent(None, -5, 10),
                "acquisition.reinvest_gross_profit": lambda p: w.percent(None, 0, 50),
                f"{at}.arpa_monthly": lambda p: w.money(None, 20, 2_000),
                f"{at}.cac": lambda p: w.money(None, 100, 5_000),
                f"{at}.gross_margin": lambda p: w.percent(None, 40, 95),
                f"{at}.churn.{churn_key}": lambda p, churn_key=churn_key: (
                    w.percent(None, 0, 15) if churn_key != "alpha" else w.decimal(None, 5, 50, 10)
                ),
                "spend_share": None,
            }
            path = draw(st.sampled_from(sorted(options)))
            if path == "spend_share":
                share_paths = [f"segments.{name}.spend_share" for name in names]
                if any((month, p) in used for p in share_paths):
                    continue
                for share_path, share in zip(share_paths, _shares(draw, len(names))):
                    changes[share_path] = share
                    used.add((month, share_path))
            elif (month, path) not in used:
                changes[path] = options[path](path)
                used.add((month, path))
        if changes:
            event["set"] = changes
        if not changes or _maybe(draw, 1):
            event["cash_in"] = w.money(None, -100_000, 1_000_000)
        events.append(event)
    return events


def _rarely(draw: Any) -> bool:
    """True about once in ten draws; False when shrunk, so a failing example sheds the block."""
    return bool(draw(st.integers(0, 9)) == 9)


def _company_blocks(w: _Writer, company: dict[str, object]) -> None:
    """Now and then a cash policy, a funding round and customer-success managers (SPEC 2.5, 2.7)."""
    draw = w.draw
    if _rarely(draw):
        company["when_out_of_cash"] = draw(st.sampled_from(("continue", "stop_acquisition", "shut_down")))
    if _rarely(draw):
        funding: dict[str, object] = {
            "below_cash": w.money("company.funding.below_cash", -200_000, 500_000),
            "amount": w.money("company.funding.amount", 0, 3_000_000),
        }
        if _maybe(draw):
            funding["probability"] = w.percent("company.funding.probability", 0, 100)
        if _maybe(draw):
            funding["months_to_close"] = draw(st.integers(1, 6))
        if _maybe(draw):
            funding["max_rounds"] = draw(st.integers(1, 3))
        company["funding"] = funding
    if _rarely(draw):
        company["customer_success"] = {
            "arr_per_csm": w.money("company.customer_success.arr_per_csm", 100_000, 3_000_000),
            "cost_per_csm_monthly": w.money("company.customer_success.cost_per_csm_monthly", 0, 15_000),
        }


def _programs(w: _Writer, horizon: int, names: list[str]) -> list[dict[str, object]]:
    """Now and then one or two retention programs (SPEC 2.7)."""
    draw = w.draw
    if not _rarely(draw):
        return []
    programs: list[dict[str, object]] = []
    for name in draw(
        st.lists(st.sampled_from(("Save", "Onboarding", "Key accounts")), min_size=1, max_size=2, unique=True)
    ):
        at = f"programs.{name}"
        program: dict[str, object] = {"name": name, "cost_monthly": w.money(f"{at}.cost_monthly", 0, 100_000)}
        if _maybe(draw):
            program["segments"] = draw(st.lists(st.sampled_from(names), min_size=1, max_size=len(names), unique=True))
        if _maybe(draw):
            first = draw(st.integers(1, horizon))
            program["from_month"] = first
            if _maybe(draw):
                program["to_month"] = draw(st.integers(first, horizon))
        if _maybe(draw, 3):
            program["churn_change"] = w.percent(f"{at}.churn_change", -50, 10)
        if _maybe(draw, 1):
            program["expansion_change"] = w.percent(f"{at}.expansion_change", 0, 2)
        programs.append(program)
    return programs


def _migrations(w: _Writer, names: list[str]) -> list[dict[str, object]]:
    """Now and then accounts moving between two segments, one way or both (SPEC 2.8)."""
    draw = w.draw
    if len(names) < 2 or not _rarely(draw):
        return []
    pairs = [(a, b) for a in names for b in names if a != b]
    migrations: list[dict[str, object]] = []
    for i, (source, target) in enumerate(draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=2, unique=True))):
        migration: dict[str, object] = {
            "from": source,
            "to": target,
            "monthly": w.percent(f"migrations[{i}].monthly", 0, 5),
        }
        if _maybe(draw):
            migration["mrr_multiplier"] = w.decimal(f"migrations[{i}].mrr_multiplier", 5, 100, 10)
        migrations.append(migration)
    return migrations


@st.composite
def scenario_documents(
    draw: Any,
    max_segments: int = 3,
    max_horizon: int = 30,
    max_paths: int = 50,
    uncertainty: bool = True,
    events: bool = True,
    blocks: bool = True,
) -> dict[str, object]:
    """A valid scenario as the plain data of a YAML file.

    ``blocks``: now and then (each about once in ten) a cash policy, funding, customer success,
    programs and migrations (SPEC 2.5, 2.7, 2.8).
    """
    w = _Writer(draw, uncertainty)
    horizon = draw(st.integers(1, max_horizon))
    doc: dict[str, object] = {"name": draw(st.sampled_from(("Test", "Plan B", "Ünïcode scenario")))}
    if _maybe(draw, 1):
        doc["description"] = "Drawn by hypothesis."
    doc["horizon_months"] = horizon
    if _maybe(draw, 1):
        doc["currency"] = draw(st.sampled_from(("USD", "EUR")))
    simulation: dict[str, object] = {"paths": draw(st.integers(1, max_paths))}
    if _maybe(draw, 3):
        simulation["seed"] = draw(st.integers(0, 2**32 - 1))
    doc["simulation"] = simulation
    company: dict[str, object] = {
        "starting_cash": w.money("company.starting_cash", 0, 2_000_000),
        "fixed_costs_monthly": w.money("company.fixed_costs_monthly", 0, 200_000),
    }
    if _maybe(draw, 1):
        company["discount_rate_annual"] = w.percent("company.discount_rate_annual", 0, 20)
    if _maybe(draw, 1):
        company["ltv_horizon_months"] = draw(st.integers(12, 120))
    if blocks:
        _company_blocks(w, company)
    doc["company"] = company
    acquisition: dict[str, object] = {"spend_monthly": w.money("acquisition.spend_monthly", 0, 100_000)}
    if _maybe(draw, 1):
        acquisition["spend_growth_monthly"] = w.percent("acquisition.spend_growth_monthly", -5, 10)
    if _maybe(draw, 1):
        acquisition["reinvest_gross_profit"] = w.percent("acquisition.reinvest_gross_profit", 0, 50)
    doc["acquisition"] = acquisition
    names = draw(st.lists(st.sampled_from(SEGMENT_NAMES), min_size=1, max_size=max_segments, unique=True))
    if len(names) == 1:
        shares: list[object | None] = [draw(st.sampled_from((None, 1.0, "100%")))]
    else:
        shares = list(_shares(draw, len(names)))
    segments = [_segment(w, name, share) for name, share in zip(names, shares)]
    doc["segments"] = segments
    drawn_programs = _programs(w, horizon, names) if blocks else []
    drawn_migrations = _migrations(w, names) if blocks else []
    if len(w.uncertain_paths) >= 2 and _maybe(draw, 1):
        pair = draw(st.lists(st.sampled_from(w.uncertain_paths), min_size=2, max_size=2, unique=True))
        simulation["correlations"] = [{"between": pair, "rho": draw(st.integers(-9, 9)) / 10}]
    if events:
        drawn = _events(w, horizon, segments)
        if drawn:
            doc["events"] = drawn
    if drawn_programs:
        doc["programs"] = drawn_programs
    if drawn_migrations:
        doc["migrations"] = drawn_migrations
    return doc


def scenario_texts(**kwargs: Any) -> st.SearchStrategy[str]:
    """A valid scenario file's text (YAML)."""
    return scenario_documents(**kwargs).map(lambda doc: yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))


def scenarios(**kwargs: Any) -> st.SearchStrategy[Scenario]:
    """A validated scenario, as :func:`saas_sim.io.scenario.parse_scenario` returns it.

    Keywords: ``max_segments`` (3), ``max_horizon`` (30), ``max_paths`` (50),
    ``uncertainty`` (True: some values are ranges or distributions),
    ``events`` (True: up to three events), ``blocks`` (True: now and then a
    cash policy, funding, customer success, programs, migrations).
    """
    return scenario_texts(**kwargs).map(parse_scenario)
