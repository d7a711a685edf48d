"""Hypothesis drives every form and every list query string with hostile input.

Each POST route in `app.url_map` needs a target in FORM_TARGETS (a test
fails when a new one has none). Values are random text with control
characters and NUL, 10,000-character strings, odd dates and amounts, foreign
and unknown ids, and fields left out or repeated; the CSRF token is always
valid, so the request reaches the form. The answer must be a handled one:
never a 500 (PostgreSQL refusing NUL in text would be one).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import csrf_token, login
from .factories import category_id, make_user
from .url_map import STATE_CHANGING, owned_objects, placeholder_values, routes

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# 409: an edit whose `version` is stale (optimistic locking); 429: login throttling.
HANDLED = {200, 302, 400, 404, 409, 413, 422}
PAGE_FOR_TOKEN = "/categories/new"

SPECIAL_TEXT = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 100,
    "x" * 10_000,
    "é" * 10_000,
    "\r\nINFO forged",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "💸" * 50,
    "\u202e\u2028\ufeff",
    "null",
    "-1",
    "99999999999999999999999",
]
text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x20), max_size=10),
    st.sampled_from(SPECIAL_TEXT),
)
amounts = st.one_of(
    text,
    st.from_regex(r"-?[0-9]{0,13}([.,][0-9]{0,4})?([eE][+-]?[0-9]{1,4})?", fullmatch=True),
    st.sampled_from(
        ["NaN", "sNaN", "Infinity", "-Infinity", "1e309", "1E+2", "12.345", "0", "-5"]
        + ["99999999999.99", "9999999999.99", "٣", "1,000.00", "0.001", "00012.50"]
    ),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)
dates = st.one_of(
    text,
    st.dates().map(lambda d: d.isoformat()),
    st.from_regex(r"-?[0-9]{1,6}-[0-9]{1,3}-[0-9]{1,3}", fullmatch=True),
    st.sampled_from(["2024-02-30", "0000-01-01", "99999-01-01", "2026/01/02", "02.01.2026"]),
)
integers = st.one_of(text, st.integers().map(str), st.from_regex(r"[0-9]{1,30}", fullmatch=True))


def one_of_values(*values: str) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(values), text)


MISSING = object()
VALID_CSV = (
    "bank.csv",
    b"date,amount,category,description,payment_method,tags,notes\n"
    b"2026-03-05,12.50,Food,Imported,cash,a;b,\n",
)


@dataclass(frozen=True)
class Target:
    """How to fuzz one POST route: its fields, and how to fill the URL's id."""

    fields: dict[str, st.SearchStrategy] = field(default_factory=dict)
    files: dict[str, st.SearchStrategy] = field(default_factory=dict)
    anonymous: bool = False
    # A value per field that passes validation, so most examples change only a
    # few fields and the fuzz reaches the services and the database.
    valid: dict[str, str] = field(default_factory=dict)
    valid_files: dict[str, object] = field(default_factory=dict)


def ids(kind: str) -> st.SearchStrategy:
    """A field naming one of the user's objects, another user's, a random one, or junk."""
    return st.one_of(st.sampled_from([f"own:{kind}", f"foreign:{kind}", "random"]), text)


def expense_fields() -> dict[str, st.SearchStrategy]:
    return {
        "amount": amounts,
        "date": dates,
        "category_id": ids("category_id"),
        "description": text,
        "payment_method": one_of_values("cash", "credit_card", "other", "bitcoin"),
        "tags": st.one_of(text, st.lists(text, max_size=30).map(", ".join)),
        "notes": text,
    }


def rule_fields() -> dict[str, st.SearchStrategy]:
    fields = {name: value for name, value in expense_fields().items() if name != "date"}
    return fields | {
        "private": one_of_values("y"),
        "frequency": one_of_values("daily", "weekly", "monthly", "yearly", "hourly"),
        "interval": st.one_of(integers, st.integers(-5, 200).map(str)),
        "start_date": dates,
        "end_date": dates,
        "mode": one_of_values("auto", "confirm", "manual"),
    }


def budget_fields() -> dict[str, st.SearchStrategy]:
    return {
        "category_id": st.one_of(st.just(""), ids("category_id")),
        "amount": amounts,
        "period": one_of_values("weekly", "monthly", "yearly"),
        "start_date": dates,
        "end_date": dates,
    }


def category_fields() -> dict[str, st.SearchStrategy]:
    return {
        "name": text,
        "color": st.one_of(st.from_regex(r"#[0-9a-fA-F]{6}", fullmatch=True), text),
        "icon": text,
        "description": text,
    }


def receipt_files() -> st.SearchStrategy:
    magic = st.sampled_from([b"", b"%PDF-1.4\n", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"<html>"])
    return st.tuples(
        text.map(lambda name: name + ".png"),
        st.builds(lambda head, tail: head + tail, magic, st.binary(max_size=300)),
    )


def csv_files() -> st.SearchStrategy:
    header = "date,amount,category,description,payment_method,tags,notes"
    valid_row = st.builds(
        "2026-03-{:02d},{},Food,Imported,cash,a;b,".format,
        st.integers(1, 28),
        st.sampled_from(["1.00", "12.50", "999.99"]),
    )
    hostile_row = st.lists(st.one_of(text, amounts, dates), max_size=9).map(",".join)
    rows = st.lists(st.one_of(valid_row, valid_row, hostile_row), max_size=6)
    document = rows.map(lambda lines: "\n".join([header, *lines]))
    content = st.one_of(
        document.map(str.encode),
        document.map(lambda doc: doc.encode("utf-8").replace(b"Imported", b"\xff\x00")),
        st.binary(max_size=300),
        st.sampled_from([b"", b"\xef\xbb\xbf" + header.encode(), header.encode() + b"\n" * 5]),
    )
    return st.tuples(st.sampled_from(["bank.csv", "x.txt", ""]), content)


with_version = {"version": integers}
VALID_EXPENSE = {
    "amount": "12.50",
    "date": "2026-03-01",
    "category_id": "own:category_id",
    "description": "Lunch",
    "payment_method": "cash",
    "tags": "fuzz, lunch",
    "notes": "a note",
}
VALID_BUDGET = {
    "category_id": "own:category_id",
    "amount": "100.00",
    "period": "monthly",
    "start_date": "2026-01-01",
    "end_date": "2026-12-31",
}
# Issue 14: a rule's template (the expense's fields but the date) and its schedule.
VALID_RULE = {k: v for k, v in VALID_EXPENSE.items() if k != "date"} | {
    "frequency": "monthly",
    "interval": "1",
    "start_date": "2026-01-31",
    "end_date": "2026-12-31",
    "mode": "auto",
}
VALID_CATEGORY = {"name": "Fuzzed", "color": "#abcdef", "icon": "🍔", "description": "Fuzz"}
NEW_PASSWORD = "a fuzzed but acceptable passphrase"
VERSION = {"version": "1"}
FORM_TARGETS: dict[str, Target] = {
    "auth.login": Target(
        {"login": text, "password": text, "remember": one_of_values("y", "on")},
        anonymous=True,
        valid={"login": "user:username", "password": "user:password", "remember": "y"},
    ),
    "auth.register": Target(
        {
            "email": st.one_of(text, st.emails()),
            "username": st.one_of(text, st.from_regex(r"[a-z0-9_.-]{1,40}", fullmatch=True)),
            "password": text,
            "confirm": text,
            "full_name": text,
        },
        anonymous=True,
        valid={
            "email": "fuzz@example.com",
            "username": "fuzzer",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "full_name": "Fuzz Er",
        },
    ),
    "auth.logout": Target(),
    "auth.account": Target(
        {
            "form_name": one_of_values("profile", "password"),
            "full_name": text,
            "email": st.one_of(text, st.emails()),
            "current_password": text,
            "new_password": text,
            "confirm": text,
        },
        # The real current password is never offered: a successful change would
        # lock the next examples out.
        valid={"form_name": "profile", "full_name": "Fuzz", "email": "user:email"},
    ),
    "auth.delete": Target({"password": text}),
    "categories.new": Target(category_fields(), valid=VALID_CATEGORY),
    "categories.edit": Target(category_fields() | with_version, valid=VALID_CATEGORY | VERSION),
    "categories.delete": Target({"move_to": ids("category_id")}, valid={"move_to": "own:move_to"}),
    "expenses.new": Target(
        expense_fields(),
        {"receipt": receipt_files()},
        valid=VALID_EXPENSE,
        valid_files={"receipt": MISSING},
    ),
    "expenses.edit": Target(
        expense_fields() | with_version | {"remove_receipt": one_of_values("y")},
        {"receipt": receipt_files()},
        valid=VALID_EXPENSE | VERSION,
        valid_files={"receipt": MISSING},
    ),
    "expenses.delete": Target(),
    "expenses.restore": Target(),
    "expenses.import_csv": Target(files={"file": csv_files()}, valid_files={"file": VALID_CSV}),
    "budgets.new": Target(budget_fields(), valid=VALID_BUDGET),
    "budgets.edit": Target(budget_fields() | with_version, valid=VALID_BUDGET | VERSION),
    "budgets.delete": Target(),
    "ledgers.new": Target({"name": text}, valid={"name": "Fuzzed household"}),
    "ledgers.switch": Target(),
    "ledgers.edit": Target({"name": text}, valid={"name": "Renamed by fuzz"}),
    # The real password is never offered: deleting the ledger would end the examples.
    "ledgers.delete": Target({"password": text}),
    "ledgers.leave": Target(),
    "ledgers.invite": Target(
        {"role": one_of_values("member", "viewer", "owner")}, valid={"role": "viewer"}
    ),
    "ledgers.revoke": Target(),
    "ledgers.role": Target({"role": one_of_values("owner", "member", "viewer")}),
    "ledgers.remove": Target(),
    "invites.join": Target(),
    # Issue 15: the real password and codes are never offered.
    "two_factor.enable": Target({"code": text, "password": text}),
    "two_factor.disable": Target({"password": text, "code": text}),
    "two_factor.recovery_codes": Target({"password": text, "code": text}),
    "two_factor.verify": Target({"code": text}, anonymous=True),
    "password_reset.forgot": Target(
        {"email": st.one_of(text, st.emails())}, anonymous=True, valid={"email": "user:email"}
    ),
    "password_reset.reset": Target({"new_password": text, "confirm": text}, anonymous=True),
    "login_sessions.revoke": Target(),
    "login_sessions.revoke_others": Target(),
    # Issue 16: personal access tokens.
    "tokens.create": Target(
        {
            "name": text,
            "scope": one_of_values("read", "read_write"),
            "expires": one_of_values("30d", "1y", "never"),
            "password": text,
        },
        valid={"name": "Fuzz", "scope": "read", "expires": "30d", "password": "user:password"},
    ),
    "tokens.revoke": Target(),
    # Issue 13: statement imports (the readers have their own fuzz in test_imports_fuzz.py).
    "imports.new": Target(files={"file": csv_files()}, valid_files={"file": VALID_CSV}),
    "imports.mapping_page": Target(
        {
            "encoding": one_of_values("utf-8", "cp1252", "utf-32"),
            "delimiter": one_of_values(",", ";", "tab", "x"),
            "skip_lines": integers,
            "role_0": one_of_values("date", "amount", "ignore", "bogus"),
            "date_format": one_of_values("YYYY-MM-DD", "DD/MM/YYYY", "x"),
            "sign": one_of_values("negative_is_expense", "x"),
        }
    ),
    "imports.commit": Target(
        {
            "include_1": one_of_values("1", ""),
            "category_1": ids("category_id"),
            "default_category": ids("category_id"),
            "payment_method": one_of_values("debit_card", "bitcoin"),
        },
        valid={"include_1": "1", "default_category": "own:category_id"},
    ),
    "imports.undo": Target(),
    "imports.discard": Target(),
    "imports.delete_profile_view": Target(),
    # Issue 14.
    "recurring.new": Target(rule_fields(), valid=VALID_RULE),
    "recurring.edit": Target(rule_fields() | with_version, valid=VALID_RULE | VERSION),
    "recurring.delete": Target(),
    "recurring.skip": Target({"date": dates}, valid={"date": "2026-02-28"}),
    "recurring.post": Target({"date": dates}, valid={"date": "2026-02-28"}),
}
# Endpoints whose attempts are limited: 429 is a handled answer there.
THROTTLED = {"auth.login", "password_reset.forgot", "two_factor.verify"}

LIST_QUERY = {
    "q": text,
    "category": ids("category_id"),
    "tag": text,
    "payment_method": one_of_values("cash", "other"),
    "start": dates,
    "end": dates,
    "min": amounts,
    "max": amounts,
    "sort": one_of_values("date", "amount", "category", "description"),
    "order": one_of_values("asc", "desc"),
    "page": integers,
    "per_page": integers,
}
REPORT_QUERY = {
    "start": dates,
    "end": dates,
    "group": one_of_values("category", "month", "tag", "payment_method"),
}
QUERY_TARGETS = {
    "/expenses/": LIST_QUERY,
    "/expenses/export.csv": LIST_QUERY,
    "/expenses/trash": {"page": integers},
    "/reports": REPORT_QUERY,
    "/reports/export.csv": REPORT_QUERY,
    "/": {"month": dates},
    "/budgets/": {"page": integers},
}


def submitted(fields: dict[str, st.SearchStrategy], valid: dict | None = None):
    """Each field valid, hostile, left out, or repeated."""
    valid = valid or {}

    def one_field(name: str, strategy: st.SearchStrategy) -> st.SearchStrategy:
        choices = [strategy, st.lists(strategy, min_size=2, max_size=3), st.just(MISSING)]
        if name in valid:
            choices = [st.just(valid[name])] * 8 + choices
        return st.one_of(choices)

    return st.fixed_dictionaries(
        {name: one_field(name, strategy) for name, strategy in fields.items()}
    ).map(lambda data: {name: value for name, value in data.items() if value is not MISSING})


@pytest.fixture
def world(app):
    """A user who owns one of everything, and another user whose ids are foreign."""
    user = make_user(app)
    other = make_user(app)
    own = owned_objects(app, user.id) | {"user": user}
    own["move_to"] = [category_id(app, user.id, "Food")]
    return user, own, owned_objects(app, other.id)


def resolve(value, own: dict, foreign: dict):
    """Turn the `own:`/`foreign:`/`random`/`user:` markers into real values."""
    if isinstance(value, list):
        return [resolve(item, own, foreign) for item in value]
    if isinstance(value, str) and value.startswith("user:"):
        return getattr(own["user"], value.removeprefix("user:"))
    if value == "random":
        return "00000000-0000-4000-8000-000000000000"
    for prefix, objects in (("own:", own), ("foreign:", foreign)):
        if isinstance(value, str) and value.startswith(prefix):
            return str(objects[value.removeprefix(prefix)][0])
    return value


def fresh_client(app, user, anonymous: bool):
    client = app.test_client()
    if not anonymous:
        login(client, user)
    return client


def url_for_route(app, endpoint: str, own: dict, foreign: dict, choice: str) -> str:
    """The route's URL with the user's own object, a trashed one, a foreign one or none."""
    route = next(r for r in routes(app) if r.endpoint == endpoint)
    position = 1 if choice == "trashed" else 0
    # Arguments that are not ids (an invitation's token) get a sample that opens nothing.
    values = placeholder_values(route)
    for name in route.id_arguments:
        objects = {"foreign": foreign}.get(choice, own)[name]
        values[name] = objects[min(position, len(objects) - 1)]
        if choice == "random":
            values[name] = "4d0a3c52-51a1-4a52-8d0e-1f1e5b0c9a11"
    return route.build(values)


def test_every_post_route_has_a_fuzz_target(app):
    posting = {r.endpoint for r in routes(app) if r.methods & set(STATE_CHANGING)}
    assert posting == set(FORM_TARGETS)


@pytest.mark.parametrize("endpoint", sorted(FORM_TARGETS))
def test_fuzzed_form_posts_are_always_handled(app, world, endpoint):
    user, own, foreign = world
    target = FORM_TARGETS[endpoint]
    seen: set[int] = set()

    @FUZZ_SETTINGS
    @given(
        data=submitted(target.fields, target.valid),
        files=submitted(target.files, target.valid_files),
        choice=st.sampled_from(["own", "trashed", "foreign", "random"]),
    )
    def check(data, files, choice):
        client = fresh_client(app, user, target.anonymous)
        page = "/auth/login" if target.anonymous else PAGE_FOR_TOKEN
        form = {name: resolve(value, own, foreign) for name, value in data.items()}
        for name, value in files.items():
            uploads = value if isinstance(value, list) else [value]
            form[name] = [(io.BytesIO(content), filename) for filename, content in uploads]
        form["csrf_token"] = csrf_token(client, page)
        url = url_for_route(app, endpoint, own, foreign, choice)
        response = client.post(url, data=form, content_type="multipart/form-data")
        allowed = HANDLED | ({429} if endpoint in THROTTLED else set())
        assert response.status_code in allowed, response.get_data(as_text=True)[:3000]
        seen.add(response.status_code)

    check()
    # The token was accepted at least once, so the fuzz reached the form itself.
    assert seen - {400}, seen
    print(endpoint, sorted(seen))


@pytest.mark.parametrize("path", sorted(QUERY_TARGETS))
def test_fuzzed_query_strings_are_always_handled(app, world, path):
    user, own, foreign = world
    client = fresh_client(app, user, anonymous=False)

    @FUZZ_SETTINGS
    @given(query=submitted(QUERY_TARGETS[path]))
    def check(query):
        params = {name: resolve(value, own, foreign) for name, value in query.items()}
        response = client.get(path, query_string=params)
        assert response.status_code in HANDLED, response.get_data(as_text=True)[:3000]

    check()
