"""Rendered pages kept in each worker's memory, for as long as the user's data is unchanged.

The interface is two functions: `init_page_cache(app)` (called by the app
factory; `PAGE_CACHE_BYTES` bounds each worker's cache, least recently used
pages go first, 0 turns it off) and the `cached_page` view decorator. It uses
only Flask's public API: the request, the session, `g` and the
`message_flashed` signal.

What a cached view may depend on, and nothing else: the rows of the
session's current ledger (expenses, categories, budgets, tags, receipts, its
members and name), the user row and the user's memberships, the user's role
in the current ledger, the request's path with its query string and script
root, and today's date (`clock.today()`: pages count "this month", "days
left", the current year). Its page is stored under exactly those. A view
that reads anything more (a header, another ledger's rows, a setting that
changes at run time) must not be decorated, or must call `do_not_store()`
for the requests that do (an object opened by id from another of the
user's ledgers: `scoping.get_owned_or_404`).

How a page goes stale: never by deleting entries. Triggers (migration 0009)
set `ledgers.data_version` and `users.data_version` to new random values in
the same transaction as any write to what the pages show, whichever process or code path makes it,
and the version is part of the key, so the next request looks under a new
key and renders afresh; old pages just age out. The login query reads the
version on every request anyway, so a repeated view of an unchanged page
costs the login check and a dictionary lookup instead of its queries and
template. The version is read before the page's own queries, so a stored
page is never older than its key says (it may be newer: a write committed
in between, and the next request, seeing the new version, renders afresh).

What never comes from here: a page that shows flashed messages (they must
show once: not when messages wait in the session, not when the view flashes
one itself), any response that is not a plain 200 page, any method but GET
and HEAD, and the CSRF token, which belongs to the browser's session: it is
cut out when a page is stored and the current session's token is put back on
every hit, so one stored page serves every session of its user.

What it buys: `make bench` loads every page both ways, as served ("repeat
views") and with `PAGE_CACHE_BYTES=0` ("rendered"); `bench/results.md` has
both. `tests/test_page_cache.py` holds it to the plain path: after each write
path in turn, every warmed page must equal a fresh render.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Flask, current_app, g, message_flashed, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from . import clock

MAX_KEY_LENGTH = 2048
EXTENSION = "page_cache"
# Where `flash()` leaves messages for the next page to show (Flask's session key).
FLASHES_KEY = "_flashes"
# Set on `g` when the current request's page must not be stored: it flashed a
# message, or it read something the key does not cover.
NOT_STORED = "page_cache_not_stored"

PageKey = tuple[Any, ...]
# A page as its UTF-8 bytes split where the CSRF token was: a hit joins them
# with the session's token, with no search through the page and no encoding.
Pieces = tuple[bytes, ...]


def _length(pieces: Pieces) -> int:
    return sum(map(len, pieces))


class PageCache:
    """A least-recently-used map of keys to pages, bounded by the pages' total length."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[PageKey, Pieces] = OrderedDict()
        self._size = 0
        # The development server runs requests in threads; gunicorn's sync workers do not.
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> Pieces | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: PageKey, page: Pieces) -> None:
        """Keep `page` under `key`, dropping the least recently used pages beyond the bound."""
        # One page may take an eighth of the space, so a few huge pages cannot
        # push out everything else.
        length = _length(page)
        if length > self.max_bytes // 8:
            return
        with self._lock:
            old = self._pages.pop(key, None)
            self._size += length - (_length(old) if old is not None else 0)
            self._pages[key] = page
            while self._size > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._size -= _length(evicted)

    def __len__(self) -> int:
        return len(self._pages)


def init_page_cache(app: Flask) -> None:
    max_bytes = int(app.config["PAGE_CACHE_BYTES"])
    app.extensions[EXTENSION] = PageCache(max_bytes) if max_bytes > 0 else None
    message_flashed.connect(_note_flash, app)


def _note_flash(_sender: Flask, **_extra: Any) -> None:
    # A view that flashes and renders shows the message on this very page.
    setattr(g, NOT_STORED, True)


def do_not_store() -> None:
    """Keep the current request's page out of the cache: it shows something its key does
    not cover (say, an object of a ledger other than the current one)."""
    setattr(g, NOT_STORED, True)


def _key() -> PageKey | None:
    """The current request's key, or None when its page must not come from (or go into)
    the cache: not a GET or HEAD, flashed messages waiting, marked `do_not_store`
    before the view ran, an overlong URL."""
    if request.method not in ("GET", "HEAD") or session.get(FLASHES_KEY):
        return None
    if g.get(NOT_STORED):
        # Known before the view: the request wrote first (due recurring expenses,
        # `recurring/autopost.py`), so the version the login query read is old.
        return None
    path = request.full_path
    if len(path) > MAX_KEY_LENGTH:
        return None
    return (
        current_user.id,
        current_user.data_version,
        current_user.ledger_id,
        current_user.ledger_version,
        current_user.role,
        clock.today(),
        request.script_root,
        path,
    )


def _plain_page(response: Any) -> str | None:
    """The HTML of a view's answer when it is a plain 200 page (no status, headers, stream)."""
    if isinstance(response, tuple) and len(response) == 2 and response[1] == 200:
        response = response[0]
    return response if isinstance(response, str) else None


def cached_page(view: Callable[..., Any]) -> Callable[..., Any]:
    """Serve `view`'s page from the cache while the user's data is unchanged.

    Goes under `login_required`. The view must depend only on what the
    module docstring lists: the current ledger's and user's data, the request's path,
    query string and script root, and today's date.
    """

    @wraps(view)
    def serve(*args: Any, **kwargs: Any) -> Any:
        """A hit joined with this session's CSRF token, or the view's answer, stored when plain."""
        cache: PageCache | None = current_app.extensions.get(EXTENSION)
        key = _key() if cache is not None else None
        if key is None:
            return view(*args, **kwargs)
        pieces = cache.get(key)
        if pieces is not None:
            return generate_csrf().encode().join(pieces)
        response = view(*args, **kwargs)
        page = _plain_page(response)
        if page is not None and not g.get(NOT_STORED):
            cache.put(key, tuple(page.encode().split(generate_csrf().encode())))
        return response

    return serve
