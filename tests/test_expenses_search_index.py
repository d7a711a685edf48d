"""Text search follows every change, answers exactly as LIKE/ILIKE over the expenses would,
reads its index, and the migrations that build that index go up and down with data."""

from __future__ import annotations

import datetime as dt
import html
import random
import re
import uuid
from decimal import Decimal

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, or_, select, text, update

from expenses_app.derived.record import existing_triggers, migration
from expenses_app.derived.search_index import SEARCH_INDEX
from expenses_app.extensions import db
from expenses_app.models import Category, Expense, Ledger, User
from expenses_app.models.expense_search import (
    BLOCK_SHIFT,
    COPIED_COLUMNS,
    DAY_SHIFT,
    SQLITE_SEARCH_TABLES,
    SQLITE_SEARCH_TRIGGERS,
    search_ledgers,
    search_rows,
)

from .conftest import build_app, login
from .factories import make_expense, make_user

DESCRIPTION_CELL = re.compile(r'<td data-label="Description">\s*<a href="[^"]+">([^<]*)</a>')
EXPENSE_LINK = re.compile(r'<td data-label="Description">\s*<a href="/expenses/([0-9a-f-]+)">')
SUMMARY = re.compile(r"<strong>(\d+)</strong> expenses? match\s*· total <strong[^>]*>([\d,.]+)<")


def found(client, query: str) -> list[str]:
    response = client.get(f"/expenses/?q={query}")
    assert response.status_code == 200
    return [html.unescape(d) for d in DESCRIPTION_CELL.findall(response.get_data(as_text=True))]


def summary(client, query: str) -> tuple[int, Decimal]:
    page = client.get("/expenses/", query_string={"q": query}).get_data(as_text=True)
    match = SUMMARY.search(page)
    return (int(match[1]), Decimal(match[2].replace(",", ""))) if match else (0, Decimal(0))


def is_sqlite(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "sqlite"


def test_search_follows_inserts_updates_and_deletes(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, description="Bakery", notes="croissants")
    make_expense(app, logged_in.id, description="Hardware store")
    assert found(client, "croiss") == ["Bakery"]
    with app.app_context():
        db.session.execute(update(Expense).where(Expense.id == expense_id).values(notes="baguette"))
        db.session.commit()
    assert found(client, "croiss") == []
    assert found(client, "BAGUET") == ["Bakery"]
    with app.app_context():
        db.session.execute(Expense.__table__.delete().where(Expense.__table__.c.id == expense_id))
        db.session.commit()
    assert found(client, "baguet") == []
    assert found(client, "ware st") == ["Hardware store"]


def test_search_follows_trash_restore_amount_and_category_changes(app, client, logged_in):
    expense_id = make_expense(app, logged_in.id, description="Gym membership", amount="30.00")
    make_expense(app, logged_in.id, description="Gym shoes", amount="80.00", category="Health")
    assert summary(client, "gym") == (2, Decimal("110.00"))

    page = client.get(f"/expenses/{expense_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]
    client.post(f"/expenses/{expense_id}/delete", data={"csrf_token": token})
    assert found(client, "gym") == ["Gym shoes"]
    client.post(f"/expenses/{expense_id}/restore", data={"csrf_token": token})
    assert summary(client, "gym") == (2, Decimal("110.00"))

    with app.app_context():
        health = db.session.scalar(
            select(Expense.category_id).where(Expense.description == "Gym shoes")
        )
        db.session.execute(
            update(Expense)
            .where(Expense.id == expense_id)
            .values(amount=Decimal("45.50"), category_id=health)
        )
        db.session.commit()
    assert summary(client, "gym") == (2, Decimal("125.50"))
    assert found(client, f"gym&category={health}&sort=amount&order=asc") == [
        "Gym membership",
        "Gym shoes",
    ]


def test_search_treats_quotes_and_wildcards_literally(app, client, logged_in):
    make_expense(app, logged_in.id, description='The "best" 100% pizza_place')
    make_expense(app, logged_in.id, description="Other")
    assert found(client, '"best"') == ['The "best" 100% pizza_place']
    assert found(client, "100%25 pizza") == ['The "best" 100% pizza_place']
    assert found(client, "a_p") == ['The "best" 100% pizza_place']
    assert found(client, "0%25") == ['The "best" 100% pizza_place']
    assert found(client, "%25%25") == []
    assert found(client, "a%25p") == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tea OR", ["tea OR coffee"]),
        ("OR coffee", ["tea OR coffee"]),
        ("pizza*", ["pizza* (large)"]),
        ("(large)", ["pizza* (large)"]),
        ("col:umn", ["col:umn ^caret -minus NEAR(x)"]),
        ("^caret", ["col:umn ^caret -minus NEAR(x)"]),
        ("NEAR(x", ["col:umn ^caret -minus NEAR(x)"]),
        ('"quoted', ['say "quoted" twice ""']),
        ('""', ['say "quoted" twice ""']),
        ("AND", []),
    ],
)
def test_search_text_is_never_read_as_full_text_syntax(app, client, logged_in, query, expected):
    for description in ("tea OR coffee", "pizza* (large)", "col:umn ^caret -minus NEAR(x)"):
        make_expense(app, logged_in.id, description=description)
    make_expense(app, logged_in.id, description='say "quoted" twice ""')
    response = client.get("/expenses/", query_string={"q": query})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert [html.unescape(d) for d in DESCRIPTION_CELL.findall(page)] == expected


def test_search_index_exists(app):
    with app.app_context():
        inspector = inspect(db.session.connection())
        indexes = {ix["name"] for ix in inspector.get_indexes("expenses")}
        if db.engine.dialect.name == "sqlite":
            assert set(inspector.get_table_names()) >= SQLITE_SEARCH_TABLES
            assert SEARCH_INDEX.check(db.session.connection()) == []
            triggers = {name for name, _ in existing_triggers(db.session.connection())}
            assert set(SQLITE_SEARCH_TRIGGERS) <= triggers
            assert "ix_expenses_search" not in indexes
        else:
            assert {"ix_expenses_description_trgm", "ix_expenses_notes_trgm"} <= indexes


# fmt: off
TEXTS = ["Café au lait", "CAFÉ", "cafe", "Coffee beans", "coffee", "Straße", "ßtrasse",
         "naïve 100%", "a_b", "Tea", "TEA time", "tee", "x", "éclair", "Ünïcode ü", "lunch"]
# fmt: on


def random_text(rng: random.Random) -> str:
    words = rng.sample(TEXTS, rng.randint(1, 3))
    return " ".join(w.upper() if rng.random() < 0.2 else w for w in words)


def random_queries(rng: random.Random, count: int) -> list[str]:
    """Pieces of the texts, some with their case swapped (the list strips the search text)."""
    queries = []
    for _ in range(count):
        source = rng.choice(TEXTS)
        start = rng.randrange(len(source))
        piece = source[start : start + rng.randint(1, 6)]
        piece = (piece.swapcase() if rng.random() < 0.3 else piece).strip()
        queries += [piece] if piece else []
    return queries + ["é", "É", "ü", "CAF", "caf", "ß", "100%", "a_", "au l", "zz"]


SORT_KEYS = {
    "date": (Expense.date, Expense.created_at),
    "amount": (Expense.amount, Expense.date),
    "description": (Expense.description, Expense.date),
    "category": (Category.name_key, Expense.date, Expense.created_at),
}
START = dt.date(2026, 1, 1)


def random_filters(rng: random.Random, categories: list[uuid.UUID]) -> dict[str, str]:
    """A sort and, now and then, each of the list's other filters."""
    args = {"sort": rng.choice(list(SORT_KEYS)), "order": rng.choice(["asc", "desc"])}
    choices = {
        "category": lambda: str(rng.choice(categories)),
        "payment_method": lambda: rng.choice(["cash", "credit_card"]),
        "min": lambda: f"{rng.randint(1, 50)}.00",
        "max": lambda: f"{rng.randint(50, 100)}.00",
        "start": lambda: (START + dt.timedelta(days=rng.randrange(30))).isoformat(),
        "end": lambda: (START + dt.timedelta(days=rng.randrange(30, 60))).isoformat(),
    }
    args.update({name: make() for name, make in choices.items() if rng.random() < 0.25})
    return args


def oracle(app, user_id: uuid.UUID, query: str, args: dict[str, str]) -> tuple:
    """What the list meant before the index: LIKE (SQLite) or ILIKE over the live expenses,
    with the other filters and the sort written out by hand."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    with app.app_context():
        sqlite = db.engine.dialect.name == "sqlite"
        matches = [
            (column.like if sqlite else column.ilike)(f"%{escaped}%", escape="\\")
            for column in (Expense.description, Expense.notes)
        ]
        # The user's personal ledger (its id is theirs), where nothing is private.
        conditions = [Expense.ledger_id == user_id, Expense.deleted_at.is_(None), or_(*matches)]
        if "category" in args:
            conditions.append(Expense.category_id == uuid.UUID(args["category"]))
        if "payment_method" in args:
            conditions.append(Expense.payment_method == args["payment_method"])
        if "min" in args:
            conditions.append(Expense.amount >= Decimal(args["min"]))
        if "max" in args:
            conditions.append(Expense.amount <= Decimal(args["max"]))
        if "start" in args:
            conditions.append(Expense.date >= dt.date.fromisoformat(args["start"]))
        if "end" in args:
            conditions.append(Expense.date <= dt.date.fromisoformat(args["end"]))
        keys = (*SORT_KEYS[args["sort"]], Expense.id)
        rows = db.session.execute(
            select(Expense.id, Expense.amount)
            .join(Category, Category.id == Expense.category_id)
            .where(*conditions)
            .order_by(*(k.desc() if args["order"] == "desc" else k.asc() for k in keys))
        ).all()
    return len(rows), sum((r.amount for r in rows), Decimal(0)), [str(r.id) for r in rows]


def listed(client, query: str, args: dict[str, str]) -> tuple:
    query_string = {"q": query, **args}
    page = client.get("/expenses/", query_string=query_string).get_data(as_text=True)
    match = SUMMARY.search(page)
    count, total = (int(match[1]), Decimal(match[2].replace(",", ""))) if match else (0, 0)
    return count, total, EXPENSE_LINK.findall(page)


def random_date(rng: random.Random) -> dt.date:
    """Mostly a few busy weeks; now and then a date SQLite's index files at either end."""
    if rng.random() < 0.1:
        return rng.choice([dt.date(1999, 12, 31), dt.date(1970, 1, 1), dt.date(2200, 1, 1)])
    return START + dt.timedelta(days=rng.randrange(20))


def random_change(app, rng: random.Random, users: list[uuid.UUID]) -> None:
    """One write to the expenses through raw SQL, as an import, a restore or a script would."""
    with app.app_context():
        # In the order they were made: ids are random, and the seed must replay the same run.
        expenses = db.session.execute(
            select(Expense.id, Expense.ledger_id).order_by(Expense.created_at, Expense.id)
        ).all()
    action = rng.choice(["insert", "insert", "text", "notes", "amount", "date", "category",
                         "payment", "trash", "delete"])  # fmt: skip
    if action == "insert" or not expenses:
        make_expense(
            app,
            rng.choice(users),
            description=random_text(rng),
            notes=random_text(rng) if rng.random() < 0.3 else None,
            amount=f"{rng.randint(1, 9999) / 100:.2f}",
            date=random_date(rng),
            category=rng.choice(["Food", "Health", "Transport"]),
            payment_method=rng.choice(["cash", "credit_card"]),
            deleted=rng.random() < 0.1,
        )
        return
    expense_id, owner = rng.choice(expenses)
    with app.app_context():
        categories = db.session.scalars(
            select(Category.id).where(Category.ledger_id == owner).order_by(Category.name_key)
        )
        values = {
            "text": {"description": random_text(rng)},
            "notes": {"notes": random_text(rng) if rng.random() < 0.7 else None},
            "amount": {"amount": Decimal(rng.randint(1, 9999)) / 100},
            "date": {"date": random_date(rng)},
            "category": {"category_id": rng.choice(categories.all())},
            "payment": {"payment_method": rng.choice(["cash", "credit_card", "other"])},
            "trash": {"deleted_at": None if rng.random() < 0.5 else dt.datetime.now(dt.UTC)},
        }.get(action)
        chosen = Expense.id == expense_id
        if values is None:
            db.session.execute(delete(Expense).where(chosen))
        else:
            db.session.execute(update(Expense).where(chosen).values(**values))
        db.session.commit()


def test_search_answers_exactly_as_like_over_the_expenses_through_random_changes(app, client):
    """Any search, with any other filters and sort, lists the same rows in the same order,
    with the same count and total, as the search over the expenses themselves."""
    rng = random.Random(20261122)
    me, other = make_user(app, "searcher"), make_user(app, "neighbour")
    login(client, me)
    for _ in range(80):
        random_change(app, rng, [me.id, other.id])
    with app.app_context():
        categories = db.session.scalars(
            select(Category.id).where(Category.ledger_id == me.id).order_by(Category.name_key)
        ).all()
    found_some = 0
    for _ in range(3):
        for query in random_queries(rng, 12):
            args = random_filters(rng, categories) if rng.random() < 0.6 else {}
            count, total, ids = oracle(app, me.id, query, {"sort": "date", "order": "desc", **args})
            per_page = rng.choice([1, 3, 7, 100])
            page = rng.randint(1, max(1, -(-count // per_page)))
            args |= {"per_page": str(per_page), "page": str(page)}
            expected = count, total, ids[(page - 1) * per_page : page * per_page]
            assert listed(client, query, args) == expected, (query, args)
            found_some += count > 0
        for _ in range(25):
            random_change(app, rng, [me.id, other.id])
    # Not vacuous: a good share of the 36 searches found something.
    assert found_some >= 12


@pytest.mark.parametrize("query", ["tea", "te"])
def test_date_pages_of_a_search_follow_entry_time_within_a_day(app, client, logged_in, query):
    """The index numbers a day's copies in the order written; the list orders a day's rows by
    entry time, which an edit or an import can make differ."""
    day = dt.date(2026, 5, 4)
    ids = {name: make_expense(app, logged_in.id, description=name, date=day) for name in "ABC"}
    make_expense(app, logged_in.id, description="Tea later", date=day + dt.timedelta(days=1))
    make_expense(app, logged_in.id, description="Tea earlier", date=day - dt.timedelta(days=1))
    with app.app_context():
        for name, hour in (("A", 10), ("B", 11), ("C", 9)):
            db.session.execute(
                update(Expense)
                .where(Expense.id == ids[name])
                .values(
                    description=f"Tea {name}",
                    created_at=dt.datetime(2026, 5, 4, hour, tzinfo=dt.UTC),
                )
            )
        db.session.commit()
    newest_first = ["Tea later", "Tea B", "Tea A", "Tea C", "Tea earlier"]
    for order, expected in (("desc", newest_first), ("asc", newest_first[::-1])):
        for per_page in (1, 2, 3):
            pages = [
                found(client, f"{query}&order={order}&per_page={per_page}&page={page}")
                for page in range(1, 6)
            ]
            assert sum(pages, []) == expected, (order, per_page)


def test_sqlite_search_rows_are_numbered_by_block_and_day(app, logged_in):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's search index")
    dates = [dt.date(1970, 1, 1), dt.date(2000, 1, 2), dt.date(2026, 5, 4), dt.date(2300, 1, 1)]
    for day in dates:
        make_expense(app, logged_in.id, date=day)
    with app.app_context():
        block = db.session.scalar(select(search_ledgers.c.block))
        slots = db.session.scalars(select(search_rows.c.slot).order_by(search_rows.c.date))
        numbered = [(s >> BLOCK_SHIFT, s >> DAY_SHIFT & 0xFFFF, s & 0xFFFFF) for s in slots]
    days_from_2000 = (dt.date(2026, 5, 4) - dt.date(2000, 1, 1)).days
    days = [0xFFFF, 0xFFFF - 1, 0xFFFF - days_from_2000, 0]  # newest first, the ends shared
    assert numbered == [(block, day, 1) for day in days]


def sqlite_only(app) -> None:
    if not is_sqlite(app):
        pytest.skip("SQLite's search index")


def copies(app) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(search_rows.c.description, search_rows.c.ledger_id, search_rows.c.user_id,
                   search_rows.c.private, search_rows.c.slot.op(">>")(BLOCK_SHIFT))
            .order_by(search_rows.c.description)
        )  # fmt: skip
        blocks = dict(
            db.session.execute(select(search_ledgers.c.ledger_id, search_ledgers.c.block)).all()
        )
        # (description, ledger, author, private, in its ledger's block)
        return [(d, led, user, bool(p), b == blocks.get(led)) for d, led, user, p, b in rows]


def test_sqlite_copies_follow_the_author_privacy_and_the_ledger(app):
    """`user_id` and `private` change in place; a new ledger moves the copy to its block."""
    sqlite_only(app)
    ann, bob = make_user(app), make_user(app)
    gift = make_expense(app, ann.id, description="Secret gift")
    make_expense(app, bob.id, description="Gift wrap")
    with app.app_context():
        bobs_food = db.session.scalar(
            select(Category.id).where(Category.ledger_id == bob.id, Category.name_key == "food")
        )
        db.session.execute(update(Expense).where(Expense.id == gift).values(private=True))
        db.session.commit()
    assert copies(app) == [("Gift wrap", bob.id, bob.id, False, True),
                           ("Secret gift", ann.id, ann.id, True, True)]  # fmt: skip
    with app.app_context():
        db.session.execute(
            update(Expense)
            .where(Expense.id == gift)
            .values(ledger_id=bob.id, category_id=bobs_food)
        )
        db.session.commit()
    assert copies(app) == [("Gift wrap", bob.id, bob.id, False, True),
                           ("Secret gift", bob.id, ann.id, True, True)]  # fmt: skip
    # Ann's account goes: her expense stays in Bob's ledger, its author unknown.
    with app.app_context():
        db.session.execute(delete(User).where(User.id == ann.id))
        db.session.commit()
        assert SEARCH_INDEX.check(db.session.connection()) == []
    assert copies(app) == [("Gift wrap", bob.id, bob.id, False, True),
                           ("Secret gift", bob.id, None, True, True)]  # fmt: skip


def test_a_deleted_ledgers_rows_leave_the_sqlite_search_index(app, logged_in):
    sqlite_only(app)
    gone = make_user(app, "leaving")
    make_expense(app, gone.id, description="Secret gift")
    make_expense(app, logged_in.id, description="Gift wrap")
    with app.app_context():
        db.session.execute(delete(Ledger).where(Ledger.id == gone.id))
        db.session.commit()
        ledgers = db.session.scalars(select(search_ledgers.c.ledger_id)).all()
        descriptions = db.session.scalars(select(search_rows.c.description)).all()
    assert ledgers == [logged_in.id]
    assert descriptions == ["Gift wrap"]


def test_the_copied_columns_are_the_migrations(app):
    with app.app_context():
        source = migration("0009")
    assert ", ".join(COPIED_COLUMNS) == source.COPIED


STAMP = "2026-01-01 00:00:00.000000"


def insert_raw(table: str, **values: str | int | None) -> None:
    """A row written as a database at revision 0004 holds it (ids are plain text here)."""
    if table != "expenses":
        values = {"created_at": STAMP, "updated_at": STAMP, **values}
    names = ", ".join(values)
    marks = ", ".join(f":{name}" for name in values)
    db.session.execute(text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def insert_expense(
    number: int, user: str, description: str, deleted_at=None, day="01", ledger: bool = False
) -> None:
    """An expense as 0004-0008 hold it, or (`ledger`) as 0009 does, in the user's ledger."""
    moment = f"2026-01-{day} 00:00:00.000000"
    insert_raw("expenses", id=f"e{number}", user_id=user, category_id=f"c{user}",
               amount_cents=100 + number, date=f"2026-01-{day}", description=description,
               payment_method="cash", version=1, created_at=moment, updated_at=moment,
               deleted_at=deleted_at, **({"ledger_id": user} if ledger else {}))  # fmt: skip


def seed_before_0006() -> None:
    """Two users' expenses, one of them trashed."""
    for user in ("u1", "u2"):
        insert_raw("users", id=user, email=f"{user}@b.c", username=user, username_key=user,
                   password_hash="x", is_active=1, is_verified=0)  # fmt: skip
        insert_raw("categories", id=f"c{user}", user_id=user, name="Food", name_key="food",
                   color="#000000", is_default=0, version=1)  # fmt: skip
    insert_expense(0, "u1", "Existing bagel")
    insert_expense(1, "u1", "Bagel shop", deleted_at=STAMP)
    insert_expense(2, "u2", "Bagels")
    db.session.commit()


def index_names() -> set[str]:
    return {ix["name"] for ix in inspect(db.engine).get_indexes("expenses")}


def copies_by(owner: str) -> list[tuple]:
    return sorted(db.session.execute(text(f"SELECT {owner}, description FROM expense_search_rows")))


def test_migrations_0003_0006_and_0009_go_down_and_up_with_data(tmp_path):
    app = build_app(f"sqlite:///{tmp_path / 'roundtrip.db'}")
    with app.app_context():
        upgrade(revision="0004")
        seed_before_0006()
        assert "ix_expenses_search" in index_names()
        upgrade(revision="0008")
        assert "ix_expenses_search" not in index_names()
        expected = [("u1", "Bagel shop"), ("u1", "Existing bagel"), ("u2", "Bagels")]
        assert copies_by("user_id") == expected
        db.session.commit()  # the app's sessions write-lock SQLite (BEGIN IMMEDIATE)
        upgrade()
        # 0009: each user's ledger has their id, and its block their copies.
        assert copies_by("ledger_id") == copies_by("user_id") == expected
        assert SEARCH_INDEX.check(db.session.connection()) == []
        insert_expense(9, "u1", "Bagel again", day="02", ledger=True)
        db.session.commit()
        matches = db.session.scalars(
            text(
                "SELECT r.description FROM expense_search_rows r JOIN expense_search_text t"
                " ON t.rowid = r.slot WHERE t.expense_search_text MATCH 'bag'"
                " AND r.ledger_id = 'u1' AND r.deleted_at IS NULL ORDER BY r.slot"
            )
        ).all()
        # Copies are numbered newest day first within their ledger's block.
        assert matches == ["Bagel again", "Existing bagel"]
        db.session.commit()

        downgrade(revision="0004")
        assert "ix_expenses_search" in index_names()
        assert not SQLITE_SEARCH_TABLES & set(inspect(db.engine).get_table_names())
        assert not {"expense_search_users"} & set(inspect(db.engine).get_table_names())
        downgrade(revision="0001")
        assert not any(
            name.startswith(("ix_expenses_live", "ix_expenses_s")) for name in index_names()
        )
        upgrade()
        assert db.session.scalar(text("SELECT count(*) FROM expense_search_rows")) == 4
        assert SEARCH_INDEX.check(db.session.connection()) == []
        db.session.remove()
        db.engine.dispose()
