"""Test data with explicit defaults. Each function runs in its own app context,
commits, and returns plain values (never ORM objects bound to a closed session).

A user made here (or registered) owns a personal ledger whose id is the
user's id, so `user_id` names both the author and, by default, the ledger;
pass `ledger_id` to put rows in another ledger.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import uuid
from dataclasses import dataclass
from decimal import Decimal

from flask import Flask
from sqlalchemy import select

from expenses_app.auth.api_tokens import create_api_token
from expenses_app.auth.passwords import hash_password
from expenses_app.auth.services import normalise_email
from expenses_app.categories.services import ensure_default_categories
from expenses_app.extensions import db
from expenses_app.imports.commit import CommitChoices, commit_import
from expenses_app.imports.csv_mapping import CsvSettings
from expenses_app.imports.flow import prepare
from expenses_app.imports.profiles import save_profile
from expenses_app.imports.store import create_batch
from expenses_app.models import (
    PERSONAL_LEDGER_NAME,
    Budget,
    Category,
    Expense,
    ImportBatch,
    Ledger,
    LedgerMember,
    Receipt,
    RecurringRule,
    Tag,
    User,
    UserSession,
    name_key,
)
from expenses_app.recurring.services import RuleValues, create_rule, skip_occurrence
from expenses_app.scoping import Scope
from expenses_app.tokens import new_token, token_hash

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    username: str
    email: str
    password: str


def make_user(
    app: Flask,
    username: str | None = None,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    with_defaults: bool = True,
) -> UserInfo:
    n = next(_counter)
    username = username or f"user{n}"
    email = email or f"{username}@example.com"
    with app.app_context():
        user = User(
            email=normalise_email(email),
            username=username,
            username_key=name_key(username),
            password_hash=hash_password(password),
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(Ledger(id=user.id, name=PERSONAL_LEDGER_NAME))
        db.session.flush()
        db.session.add(LedgerMember(ledger_id=user.id, user_id=user.id, role="owner"))
        user.last_ledger_id = user.id
        if with_defaults:
            ensure_default_categories(user.id)
        db.session.commit()
        return UserInfo(user.id, username, normalise_email(email), password)


def make_category(
    app: Flask,
    user_id: uuid.UUID,
    name: str | None = None,
    *,
    color: str = "#123456",
    icon: str | None = None,
) -> uuid.UUID:
    name = name or f"Category {next(_counter)}"
    with app.app_context():
        category = Category(
            ledger_id=user_id, name=name, name_key=name_key(name), color=color, icon=icon
        )
        db.session.add(category)
        db.session.commit()
        return category.id


def category_id(app: Flask, user_id: uuid.UUID, name: str) -> uuid.UUID:
    with app.app_context():
        return db.session.scalar(
            select(Category.id).where(
                Category.ledger_id == user_id, Category.name_key == name_key(name)
            )
        )


def make_expense(
    app: Flask,
    user_id: uuid.UUID,
    *,
    amount: str | Decimal = "12.50",
    date: dt.date | None = None,
    category: str | uuid.UUID = "Food",
    description: str | None = None,
    payment_method: str = "cash",
    notes: str | None = None,
    tags: tuple[str, ...] = (),
    deleted: bool = False,
    private: bool = False,
    ledger_id: uuid.UUID | None = None,
) -> uuid.UUID:
    ledger_id = ledger_id or user_id
    with app.app_context():
        cat_id = (
            category if isinstance(category, uuid.UUID) else category_id(app, ledger_id, category)
        )
        expense = Expense(
            ledger_id=ledger_id,
            user_id=user_id,
            private=private,
            amount=Decimal(amount),
            date=date or dt.date.today(),
            category_id=cat_id,
            description=description or f"Expense {next(_counter)}",
            payment_method=payment_method,
            notes=notes,
            deleted_at=dt.datetime.now(dt.UTC) if deleted else None,
        )
        tag_rows = []
        for name in tags:
            tag = db.session.scalar(
                select(Tag).where(Tag.ledger_id == ledger_id, Tag.name_key == name_key(name))
            )
            if tag is None:
                tag = Tag(ledger_id=ledger_id, name=name, name_key=name_key(name))
                db.session.add(tag)
            tag_rows.append(tag)
        expense.tags = tag_rows
        db.session.add(expense)
        db.session.commit()
        return expense.id


def make_budget(
    app: Flask,
    user_id: uuid.UUID,
    *,
    amount: str | Decimal = "100.00",
    period: str = "monthly",
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    category: str | None = None,
) -> uuid.UUID:
    with app.app_context():
        budget = Budget(
            ledger_id=user_id,
            amount=Decimal(amount),
            period=period,
            start_date=start_date or dt.date(2020, 1, 1),
            end_date=end_date,
            category_id=category_id(app, user_id, category) if category else None,
        )
        db.session.add(budget)
        db.session.commit()
        return budget.id


def make_receipt(app: Flask, user_id: uuid.UUID, expense_id: uuid.UUID) -> uuid.UUID:
    """A small PDF receipt attached to the expense."""
    data = b"%PDF-1.4\n% a tiny receipt\n"
    with app.app_context():
        receipt = Receipt(
            ledger_id=db.session.get_one(Expense, expense_id).ledger_id,
            expense_id=expense_id,
            filename="receipt.pdf",
            content_type="application/pdf",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )
        db.session.add(receipt)
        db.session.commit()
        return receipt.id


# --- ledgers -----------------------------------------------------------------


def add_member(app: Flask, ledger_id: uuid.UUID, user_id: uuid.UUID, role: str = "member") -> None:
    """Make `user_id` a member of `ledger_id` with `role` (as an accepted invitation would)."""
    with app.app_context():
        db.session.add(LedgerMember(ledger_id=ledger_id, user_id=user_id, role=role))
        db.session.commit()


def personal_scope(user_id: uuid.UUID, role: str = "owner") -> Scope:
    """The scope of `user_id` in their personal ledger (whose id is theirs), for services."""
    return Scope(user_id, user_id, role)


def make_login_session(app: Flask, user_id: uuid.UUID) -> uuid.UUID:
    """A live login session of `user_id` (issue 15's `/auth/sessions`), as a browser's would be;
    its cookie token is not kept."""
    with app.app_context():
        now = dt.datetime.now(dt.UTC)
        row = UserSession(
            user_id=user_id,
            token_hash=token_hash(new_token()),
            created_at=now,
            expires_at=now + dt.timedelta(hours=1),
            user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0",
            ip_address="192.0.2.7",
        )
        db.session.add(row)
        db.session.commit()
        return row.id


# --- API tokens (issue 16) ---------------------------------------------------


def make_api_token(
    app: Flask,
    user_id: uuid.UUID,
    *,
    scope: str = "read_write",
    expires: str = "never",
    revoked: bool = False,
    expired: bool = False,
) -> tuple[uuid.UUID, str]:
    """A personal access token of `user_id`: (its id, the full token text to send)."""
    with app.app_context():
        issued = create_api_token(user_id, name="test token", scope=scope, expires=expires)
        if revoked:
            issued.row.revoked_at = dt.datetime.now(dt.UTC)
        if expired:
            issued.row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
        return issued.row.id, issued.token


# --- statement imports (issue 13) ----------------------------------------------

SAMPLE_OFX = (
    b"OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>"
    b"<BANKTRANLIST><STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20260303<TRNAMT>-42.17<FITID>F1"
    b"<NAME>Sample shop</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"
)


def make_import(app: Flask, user_id: uuid.UUID, data: bytes = SAMPLE_OFX) -> uuid.UUID:
    """A draft import of an OFX statement (its lines read and judged) in the user's ledger."""
    with app.app_context():
        batch = create_batch(personal_scope(user_id), "sample.ofx", "ofx", data)
        prepare(personal_scope(user_id), batch)
        db.session.commit()
        return batch.id


def make_import_profile(
    app: Flask, user_id: uuid.UUID, header: str = "Date,Text,Amount"
) -> uuid.UUID:
    """A saved mapping for files whose header is `header`."""
    settings = CsvSettings("utf-8", ",", 0, True, ("date", "description", "amount"), "YYYY-MM-DD")
    with app.app_context():
        profile = save_profile(personal_scope(user_id), "Sample bank", header, settings)
        db.session.commit()
        return profile.id


def make_committed_import(app: Flask, user_id: uuid.UUID, category: str = "Food") -> uuid.UUID:
    """A committed import of SAMPLE_OFX: its expense added and its category remembered."""
    batch_id = make_import(app, user_id)
    choices = CommitChoices({1: None}, category_id(app, user_id, category), "debit_card")
    with app.app_context():
        batch = db.session.get_one(ImportBatch, batch_id)
        commit_import(personal_scope(user_id), batch, choices)
        db.session.commit()
    return batch_id


# --- recurring expenses (issue 14) ----------------------------------------------


def make_rule(
    app: Flask,
    user_id: uuid.UUID,
    *,
    amount: str = "950.00",
    description: str = "Rent",
    category: str = "Bills",
    frequency: str = "monthly",
    interval: int = 1,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    mode: str = "auto",
    private: bool = False,
    tags: tuple[str, ...] = (),
    payment_method: str = "other",
    notes: str | None = None,
    ledger_id: uuid.UUID | None = None,
) -> uuid.UUID:
    """A recurring rule made through the rule service (nothing posted yet)."""
    ledger_id = ledger_id or user_id
    with app.app_context():
        cat_id = category_id(app, ledger_id, category)
        rule = create_rule(
            Scope(ledger_id, user_id, "member"),
            RuleValues(
                amount=Decimal(amount),
                category_id=cat_id,
                description=description,
                frequency=frequency,
                interval=interval,
                start_date=start_date or dt.date.today(),
                end_date=end_date,
                mode=mode,
                tags=tags,
                private=private,
                payment_method=payment_method,
                notes=notes,
            ),
        )
        db.session.commit()
        return rule.id


def make_rule_with_skip(app: Flask, user_id: uuid.UUID) -> uuid.UUID:
    """A rule on the 31st, starting in 2031, whose second date is skipped: a row in each
    recurring table, and no expense (so the figures of tests that count them stay)."""
    rule_id = make_rule(app, user_id, start_date=dt.date(2031, 1, 31), tags=("rent",))
    with app.app_context():
        skip_occurrence(db.session.get(RecurringRule, rule_id), dt.date(2031, 2, 28))
        db.session.commit()
    return rule_id
