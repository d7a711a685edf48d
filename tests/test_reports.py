import csv
import datetime as dt
import io
import random
import re
from collections import defaultdict
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import count_queries, data_statements
from .factories import make_category, make_expense, make_user

YEAR = dt.date.today().year
START, END = dt.date(2025, 1, 1), dt.date(2025, 12, 31)
METHODS = ("cash", "credit_card", "debit_card")
TAGS = ("work", "trip", "gift")


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def seed(app, user_id, count=50, rng=None):
    """Expenses in and around 2025 (some trashed); returns the live ones in range."""
    rng = rng or random.Random(7)
    live = []
    for _ in range(count):
        day = START + dt.timedelta(days=rng.randrange(-40, 400))
        amount = Decimal(rng.randrange(1, 100000)) / 100
        category = rng.choice(("Food", "Transport", "Bills"))
        method = rng.choice(METHODS)
        tags = tuple(t for t in TAGS if rng.random() < 0.4)
        deleted = rng.random() < 0.1
        make_expense(
            app,
            user_id,
            amount=amount,
            date=day,
            category=category,
            payment_method=method,
            tags=tags,
            deleted=deleted,
        )
        if not deleted and START <= day <= END:
            live.append(
                {
                    "day": day,
                    "amount": amount,
                    "category": category,
                    "payment_method": method,
                    "tags": tags,
                }
            )
    return live


def expected_groups(rows, group) -> dict[str, tuple[str, int]]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        if group == "month":
            keys = [f"{row['day']:%Y-%m}"]
        elif group == "tag":
            keys = list(row["tags"])
        else:
            keys = [row[group]]
        for key in keys:
            totals[key] += row["amount"]
            counts[key] += 1
    return {key: (f"{totals[key]:.2f}", counts[key]) for key in totals}


@pytest.mark.parametrize("group", ["category", "month", "tag", "payment_method"])
def test_csv_totals_match_sums_of_the_rows_created(app, client, logged_in, group):
    rows = seed(app, logged_in.id)
    other = make_user(app, "other")
    make_expense(app, other.id, amount="999.99", date=dt.date(2025, 6, 1), tags=("work",))
    response = client.get(f"/reports/export.csv?start={START}&end={END}&group={group}")
    lines = read_csv(response)
    assert lines[0] == ["group", "total", "count"]
    got = {key: (total, int(count)) for key, total, count in lines[1:]}
    assert got == expected_groups(rows, group)
    if group == "month":
        assert [line[0] for line in lines[1:]] == sorted(got)
        assert all(re.fullmatch(r"2025-\d\d", key) for key in got)


@pytest.mark.parametrize("group", ["category", "month", "tag", "payment_method"])
def test_page_table_matches_and_shows_the_range_total(app, client, logged_in, group):
    rows = seed(app, logged_in.id, count=30)
    html = client.get(f"/reports?start={START}&end={END}&group={group}").get_data(as_text=True)
    total = sum((row["amount"] for row in rows), Decimal(0))
    assert f'<span class="stat">{total:,.2f}</span>' in html
    assert f"in {len(rows)} expense" in html
    for amount, count in expected_groups(rows, group).values():
        assert re.search(
            rf'<td data-label="Total" class="num">{re.escape(f"{Decimal(amount):,.2f}")}</td>\s*'
            rf'<td data-label="Expenses" class="num">{count}</td>',
            html,
        )
    assert 'role="img"' in html


def test_an_expense_with_several_tags_counts_once_under_each(app, client, logged_in):
    uid = logged_in.id
    make_expense(app, uid, amount="10.00", date=dt.date(2025, 3, 1), tags=("work", "trip"))
    make_expense(app, uid, amount="2.50", date=dt.date(2025, 3, 2), tags=("trip",))
    make_expense(app, uid, amount="4.00", date=dt.date(2025, 3, 3))
    lines = read_csv(client.get(f"/reports/export.csv?start={START}&end={END}&group=tag"))
    assert lines == [["group", "total", "count"], ["trip", "12.50", "2"], ["work", "10.00", "1"]]
    html = client.get(f"/reports?start={START}&end={END}&group=tag").get_data(as_text=True)
    assert "1 expense (4.00) have no tag" in html


def test_group_text_is_escaped_against_spreadsheet_formulas(app, client, logged_in):
    category = make_category(app, logged_in.id, "=SUM(A1)")
    make_expense(app, logged_in.id, amount="3.00", date=dt.date(2025, 1, 5), category=category)
    make_expense(app, logged_in.id, amount="1.00", date=dt.date(2025, 1, 5), tags=("@home",))
    lines = read_csv(client.get(f"/reports/export.csv?start={START}&end={END}"))
    assert ["'=SUM(A1)", "3.00", "1"] in lines
    lines = read_csv(client.get(f"/reports/export.csv?start={START}&end={END}&group=tag"))
    assert lines[1] == ["'@home", "1.00", "1"]


def test_dates_are_inclusive(app, client, logged_in):
    uid = logged_in.id
    for day in (START - dt.timedelta(days=1), START, END, END + dt.timedelta(days=1)):
        make_expense(app, uid, amount="1.00", date=day)
    lines = read_csv(client.get(f"/reports/export.csv?start={START}&end={END}&group=month"))
    assert lines[1:] == [["2025-01", "1.00", "1"], ["2025-12", "1.00", "1"]]


def test_default_range_is_the_current_year_grouped_by_category(app, client, logged_in):
    uid = logged_in.id
    make_expense(app, uid, amount="5.00", date=dt.date(YEAR, 1, 1), category="Food")
    make_expense(app, uid, amount="7.00", date=dt.date(YEAR - 1, 12, 31), category="Food")
    lines = read_csv(client.get("/reports/export.csv"))
    assert lines == [["group", "total", "count"], ["Food", "5.00", "1"]]
    html = client.get("/reports").get_data(as_text=True)
    assert f'name="start" placeholder="YYYY-MM-DD" type="date" value="{YEAR}-01-01"' in html
    assert f'name="end" placeholder="YYYY-MM-DD" type="date" value="{YEAR}-12-31"' in html
    assert '<option selected value="category">' in html
    assert html.count("<tbody>") == 1


def test_the_form_shows_the_default_range_of_the_day_asked(client, logged_in, monkeypatch):
    # The page keeps the form's HTML per query string and day: a new year shows new dates.
    for year in (2031, 2032):
        day = dt.date(year, 6, 1)
        monkeypatch.setattr("expenses_app.clock.today", lambda day=day: day)
        html = client.get("/reports").get_data(as_text=True)
        assert f'name="start" placeholder="YYYY-MM-DD" type="date" value="{year}-01-01"' in html
        assert f'name="end" placeholder="YYYY-MM-DD" type="date" value="{year}-12-31"' in html


def test_only_one_date_given_keeps_a_sensible_range(app, client, logged_in):
    uid = logged_in.id
    make_expense(app, uid, amount="5.00", date=dt.date(2019, 5, 1))
    make_expense(app, uid, amount="6.00", date=dt.date(2019, 12, 31))
    lines = read_csv(client.get("/reports/export.csv?start=2019-05-01"))
    assert lines[1:] == [["Food", "11.00", "2"]]
    lines = read_csv(client.get("/reports/export.csv?end=2019-06-01"))
    assert lines[1:] == [["Food", "5.00", "1"]]


@pytest.mark.parametrize("blank", ["", "%20", "%0D", "%09%0A"])
@pytest.mark.parametrize("path", ["/reports", "/reports/export.csv"])
def test_a_blank_group_means_the_default_grouping(app, client, logged_in, blank, path):
    make_expense(app, logged_in.id, amount="5.00", date=dt.date(YEAR, 3, 1), category="Food")
    response = client.get(f"{path}?group={blank}")
    assert response.status_code == 200
    if path.endswith(".csv"):
        assert read_csv(response)[1:] == [["Food", "5.00", "1"]]


@pytest.mark.parametrize(
    "query",
    [
        "group=week",
        "group=DROP TABLE",
        "start=2025-02-30",
        "start=yesterday",
        "end=2025-13-01",
        "start=2025-06-01&end=2025-05-31",
        "start=0000-01-01",
    ],
)
@pytest.mark.parametrize("path", ["/reports", "/reports/export.csv"])
def test_bad_query_values_answer_400(app, client, logged_in, path, query):
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_bad_query_page_says_what_is_wrong(app, client, logged_in):
    html = client.get("/reports?start=2025-06-01&end=2025-05-31").get_data(as_text=True)
    assert "The end date cannot be before the start date." in html


def test_reports_run_a_fixed_number_of_statements(app, client, logged_in):
    uid = logged_in.id
    make_expense(app, uid, amount="1.00", date=dt.date(2025, 2, 1), tags=("a",))
    counts = {}
    for label in ("few", "many"):
        if label == "many":
            seed(app, uid, count=40)
        for group in ("category", "month", "tag", "payment_method"):
            with count_queries(app) as statements:
                assert (
                    client.get(f"/reports?start={START}&end={END}&group={group}").status_code == 200
                )
            counts[(label, group)] = len(data_statements(statements))
    for group in ("category", "month", "payment_method"):
        assert counts[("few", group)] == counts[("many", group)] == 2
    assert counts[("few", "tag")] == counts[("many", "tag")] == 3


def test_reports_need_a_login(client):
    for path in ("/reports", "/reports/export.csv"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/login")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    start=st.one_of(st.text(max_size=12), st.dates().map(str)),
    end=st.one_of(st.text(max_size=12), st.dates().map(str)),
    group=st.one_of(st.text(max_size=12), st.sampled_from(["category", "month", "tag"])),
)
def test_any_query_string_answers_200_or_400(app, client, logged_in, start, end, group):
    query = urlencode({"start": start, "end": end, "group": group})
    for path in ("/reports", "/reports/export.csv"):
        assert client.get(f"{path}?{query}").status_code in (200, 400)
