"""Write the example exports of this folder: ``subscriptions.csv`` and ``ledger-eu.csv`` (SPEC 6.1, 6.2).

    python scenarios/data/make_examples.py

Deterministic (Python's ``random.Random`` with fixed seeds): running it again
writes the same bytes.  Both are made-up companies, shaped like real exports.

``subscriptions.csv``, a Stripe-style subscriptions export (UTF-8 with a
byte-order mark, as spreadsheet tools save it): one row per subscription,
``id, Customer ID, Customer Name, Plan, Status, Created (UTC), Start Date
(UTC), Canceled At (UTC), Ended At (UTC), Amount, Currency, Interval,
Quantity``.  About 250 customers joining from January 2023 to March 2025
on four plans: Starter ($49 a month), Pro ($149 a month), Pro annual
($1,490 a year) and Team ($29 a seat a month, 2-25 seats).  Monthly plans
churn a few percent a month, annual ones at some renewals; some Starter
customers upgrade to Pro (the Starter subscription ends the day the Pro one
starts: a second subscription of the same customer).  Amounts are written
as ``"$1,490.00"``; names with commas are quoted.  Read it with::

    saas-sim metrics scenarios/data/subscriptions.csv \\
        --columns "customer=Customer ID,start=Start Date (UTC),end=Ended At (UTC)"

``ledger-eu.csv``, an MRR ledger as a European spreadsheet writes it:
``;`` between fields, CRLF line ends, ``Kundennummer;Kunde;Datum;MRR``,
months as the month's last day (``31.01.2024``), amounts as ``1.234,50 €``.
About 180 customers from July 2023 to December 2025, seats added and
removed, some churn and a few returns.  Read it with::

    saas-sim metrics scenarios/data/ledger-eu.csv --columns "customer=Kundennummer,month=Datum,mrr=MRR" \\
        --decimal , --date-format %d.%m.%Y
"""

from __future__ import annotations

import calendar
import csv
import io
import random
import string
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIRST_YEAR, FIRST_MONTH = 2023, 1
SUBSCRIPTION_MONTHS = 27  # 2023-01 .. 2025-03
EXPORTED_AT = datetime(2025, 3, 28, 9, 0)  # nothing in the file is later
PLANS = {  # name -> (amount, interval, churn a month, or at a renewal)
    "Starter": (49.0, "month", 0.05),
    "Pro": (149.0, "month", 0.025),
    "Pro annual": (1490.0, "year", 0.15),
    "Team": (29.0, "month", 0.03),
}
UPGRADE_MONTHLY = 0.03  # a Starter customer moves to Pro
NAMES = [
    "Acme, Inc.",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Hooli",
    "Vandelay Industries",
    "Stark & Wayne",
    "Wonka Tools",
    "Tyrell Systems",
    "Soylent, LLC",
    "Cyberdyne",
    "Aperture Science",
]


def _id(rng: random.Random, prefix: str) -> str:
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(14))


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    year, month = divmod(index, 12)
    return moment.replace(year=year, month=month + 1, day=min(moment.day, 28))


def _dollars(amount: float) -> str:
    return f"${amount:,.2f}"


def subscriptions_text() -> str:
    """The Stripe-style export's text (with a byte-order mark)."""
    rng = random.Random(20230101)
    rows = []
    customer_count = 0
    for month in range(SUBSCRIPTION_MONTHS):
        for _ in range(6 + month // 3 + rng.randint(-2, 2)):
            customer_count += 1
            customer = _id(rng, "cus_")
            name = f"{rng.choice(NAMES)} #{customer_count}"
            day = rng.randint(1, 28)
            moment = datetime(FIRST_YEAR + month // 12, month % 12 + 1, day, rng.randint(7, 20), rng.randint(0, 59))
            if moment > EXPORTED_AT:
                moment = EXPORTED_AT - timedelta(days=1)
            plan = rng.choices(list(PLANS), weights=[45, 25, 15, 15])[0]
            while True:
                amount, interval, churn = PLANS[plan]
                quantity = rng.randint(2, 25) if plan == "Team" else 1
                start, end, upgraded = moment, None, False
                step = 12 if interval == "year" else 1
                renewal = _add_months(start, step)
                while renewal <= EXPORTED_AT:
                    if plan == "Starter" and rng.random() < UPGRADE_MONTHLY:
                        end, upgraded = renewal, True
                        break
                    if rng.random() < churn:
                        end = renewal
                        break
                    renewal = _add_months(renewal, step)
                canceled = None if end is None else end - timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 9))
                rows.append(
                    [
                        _id(rng, "sub_"),
                        customer,
                        name,
                        plan,
                        "active" if end is None else "canceled",
                        start.strftime("%Y-%m-%d %H:%M"),
                        start.strftime("%Y-%m-%d %H:%M"),
                        "" if canceled is None else max(canceled, start).strftime("%Y-%m-%d %H:%M"),
                        "" if end is None else end.strftime("%Y-%m-%d %H:%M"),
                        _dollars(amount),
                        "usd",
                        interval,
                        str(quantity),
                    ]
                )
                if not upgraded or end is None:
                    break
                plan, moment = "Pro", end
    rows.sort(key=lambda row: row[6], reverse=True)  # newest first, as the dashboard exports
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "id",
            "Customer ID",
            "Customer Name",
            "Plan",
            "Status",
            "Created (UTC)",
            "Start Date (UTC)",
            "Canceled At (UTC)",
            "Ended At (UTC)",
            "Amount",
            "Currency",
            "Interval",
            "Quantity",
        ]
    )
    writer.writerows(rows)
    return "\ufeff" + out.getvalue()


EU_FIRST = 2023 * 12 + 6  # July 2023
EU_MONTHS = 30  # .. December 2025
EU_PRICES = (39.0, 119.0, 1190.0, 2490.5)
EU_NAMES = ["Müller GmbH", "Schäfer & Söhne KG", "Dupont SARL", "Rossi S.p.A.", "Nordlicht AG", "Van Dijk B.V."]


def _euros(amount: float) -> str:
    return f"{amount:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + " €"


def ledger_eu_text() -> str:
    """The European ledger's text: ``;``, CRLF, ``31.01.2024``, ``1.234,50 €``."""
    rng = random.Random(20230701)
    rows = []
    customer_count = 0
    for month in range(EU_MONTHS):
        for _ in range(rng.randint(3, 9)):
            customer_count += 1
            number = f"K-{10000 + customer_count}"
            name = f"{rng.choice(EU_NAMES)} ({customer_count})"
            price = rng.choices(EU_PRICES, weights=[50, 35, 12, 3])[0]
            seats = rng.randint(1, 4)
            current, away = month, 0
            while current < EU_MONTHS:
                if away:
                    away -= 1
                else:
                    ordinal = EU_FIRST + current
                    year, index = divmod(ordinal, 12)
                    last_day = calendar.monthrange(year, index + 1)[1]
                    rows.append([number, name, f"{last_day:02d}.{index + 1:02d}.{year}", _euros(price * seats)])
                    if rng.random() < 0.04:
                        if rng.random() < 0.25:
                            away = rng.randint(1, 4)  # comes back later
                        else:
                            break
                    if rng.random() < 0.06:
                        seats = max(1, seats + rng.choice((-1, 1, 1, 2)))
                current += 1
    rng.shuffle(rows)
    rows.sort(key=lambda row: row[2][6:] + row[2][3:5])  # by month, customers in no order within it
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["Kundennummer", "Kunde", "Datum", "MRR"])
    writer.writerows(rows)
    return out.getvalue()


def write_examples(folder: Path = HERE) -> list[Path]:
    """Write both files into ``folder``; their paths."""
    written = []
    for name, text in (("subscriptions.csv", subscriptions_text()), ("ledger-eu.csv", ledger_eu_text())):
        path = folder / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def main() -> None:
    write_examples()


if __name__ == "__main__":
    main()
