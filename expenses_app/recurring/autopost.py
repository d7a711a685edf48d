"""Due recurring expenses are posted when a member opens a page of the ledger.

This is the one deliberate exception to read-only GET requests (the
contract: "it happens when any member opens a page of the ledger"), kept
small: the login query already reads the ledger's earliest due date of its
`auto` rules (`SessionUser.recurring_due`, an index lookup), so a page when
nothing is due runs no statement more. When something is due the request
posts it in a transaction of its own (`database.writes_in_safe_request`),
before the view, and its page neither comes from nor goes into the page
cache: the versions the login query read are older than the new expenses.
A failure to post (the database busy past its timeout) is logged and the
page is shown anyway; the next page or `flask recurring run` posts it.
"""

from __future__ import annotations

import logging

from flask import request
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from .. import clock
from ..database import writes_in_safe_request
from ..extensions import db
from ..page_cache import do_not_store
from .posting import post_due

log = logging.getLogger(__name__)
# Requests that are not pages of a ledger.
NOT_PAGES = frozenset({"static", "health.health", "health.health_db"})


def post_due_on_page_load() -> None:
    """Before a page of the current ledger: post its due `auto` occurrences, if any."""
    if request.method not in ("GET", "HEAD") or request.endpoint in NOT_PAGES:
        return
    if request.endpoint is None or not current_user.is_authenticated:
        return
    # Only the session user of `auth/sessions.py` carries the due date (a user loaded
    # another way, e.g. by an API token, posts nothing here).
    due, today = getattr(current_user, "recurring_due", None), clock.today()
    if due is None or due > today:
        return
    do_not_store()
    try:
        with writes_in_safe_request():
            posted = post_due(current_user.ledger_id, today)
            db.session.commit()
    except SQLAlchemyError:
        log.exception("posting the due recurring expenses of %s failed", current_user.ledger_id)
        return
    if posted:
        log.info("posted %d recurring expenses in ledger %s", len(posted), current_user.ledger_id)
