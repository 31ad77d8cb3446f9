"""Time ``saas-sim metrics`` on a generated MRR ledger: parse, then compute.

    python benchmarks/ledger.py [--rows 1000000] [--months 36] [--form plain|quoted|european] [--keep PATH]

The ledger is synthetic but shaped like a real one: customers start in every
month, churn at about 3 % a month, some come back after a gap, MRR drifts
up and down, and a few customer months are split over two rows (add-ons).
``--form`` writes it as exports do (SPEC 6.1): ``plain`` is
``cus_1,2022-01,1234.50`` (the fast path); ``quoted`` is
``"cus_1",2022-01-15,"$1,234.50"``; ``european`` is
``cus_1;2022-01-15T09:30:00Z;1.234,50 €`` (read with ``--decimal ,``).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def generate_ledger(rows: int, months: int = 36, seed: int = 1, form: str = "plain") -> str:
    """A ledger's CSV text with about ``rows`` rows over ``months`` months from 2022-01, in ``form``."""
    rng = np.random.default_rng(seed)

    def draw(customers: int) -> tuple[np.ndarray, np.ndarray]:
        start = rng.integers(0, months, customers)
        return start, np.minimum(rng.geometric(0.03, customers), months - start)

    guess = max(rows // max(months // 2, 1), 1)
    start, length = draw(guess)
    start, length = draw(max(round(guess * rows / max(length.sum(), 1)), 1))  # about ``rows`` rows
    customers = len(start)
    base = rng.choice([29.0, 99.0, 299.0, 999.0], customers, p=[0.5, 0.3, 0.15, 0.05])
    owner = np.repeat(np.arange(customers), length)
    tenure = np.arange(len(owner)) - np.repeat(np.cumsum(length) - length, length)
    month = np.repeat(start, length) + tenure
    mrr = np.repeat(base, length) * np.exp(0.01 * tenure + 0.05 * rng.standard_normal(len(owner)))
    paused = rng.random(len(owner)) < 0.01  # a gap month: churned, then reactivated
    split = rng.random(len(owner)) < 0.02  # an add-on on its own row
    owner, month, mrr = owner[~paused], month[~paused], mrr[~paused]
    split = split[~paused]
    owner = np.r_[owner, owner[split]]
    month = np.r_[month, month[split]]
    mrr = np.r_[mrr, np.full(split.sum(), 10.0)]
    labels = np.array([f"{2022 + m // 12}-{m % 12 + 1:02d}" for m in range(months)])
    ids = np.char.add("cus_", owner.astype(str))
    amounts = np.char.mod("%.2f", mrr)
    if form == "plain":
        lines = [f"{c},{m},{a}" for c, m, a in zip(ids.tolist(), labels[month].tolist(), amounts.tolist())]
        return "customer_id,month,mrr\n" + "\n".join(lines) + "\n"
    dollars = [f"{float(a):,.2f}" for a in amounts.tolist()]
    if form == "quoted":
        lines = [f'"{c}",{m}-15,"${a}"' for c, m, a in zip(ids.tolist(), labels[month].tolist(), dollars)]
        return "Customer_ID,Month,MRR\n" + "\n".join(lines) + "\n"
    euros = [a.replace(",", " ").replace(".", ",").replace(" ", ".") for a in dollars]
    lines = [f"{c};{m}-15T09:30:00Z;{a} €" for c, m, a in zip(ids.tolist(), labels[month].tolist(), euros)]
    return "customer_id;month;mrr\n" + "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument(
        "--form",
        choices=("plain", "quoted", "european"),
        default="plain",
        help="how the amounts and months are written (see above)",
    )
    parser.add_argument("--keep", type=Path, help="also write the generated ledger here")
    arguments = parser.parse_args()

    from saas_sim.analysis.ledger_metrics import ledger_metrics
    from saas_sim.io.ledger import read_ledger
    from saas_sim.io.tables import ReadOptions

    text = generate_ledger(arguments.rows, arguments.months, form=arguments.form)
    options = ReadOptions(decimal="," if arguments.form == "european" else ".")
    with tempfile.TemporaryDirectory() as folder:
        path = arguments.keep or Path(folder) / "ledger.csv"
        path.write_text(text, encoding="utf-8")
        started = time.perf_counter()
        ledger = read_ledger(path, options)
        parsed = time.perf_counter()
        document = ledger_metrics(ledger)
        computed = time.perf_counter()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{ledger.rows:,} rows ({arguments.form}), {len(ledger.customer_ids):,} customers, "
        f"{len(document['months'])} months"
    )
    print(
        f"parse {parsed - started:.2f} s, compute {computed - parsed:.2f} s, "
        f"total {computed - started:.2f} s, peak {peak_mb:.0f} MB",
        file=sys.stdout,
    )


if __name__ == "__main__":
    main()
