"""Data-integrity rules that the multi-process tests found broken, pinned down in-process."""

from __future__ import annotations

from sqlalchemy import func, select

from expenses_app.expenses import services
from expenses_app.extensions import db
from expenses_app.models import Tag

from .factories import make_expense, make_user


def test_a_tag_another_request_added_meanwhile_is_reused_not_a_500(app, monkeypatch):
    # Under gunicorn on PostgreSQL two saves with the same new tag both missed it
    # on their SELECT; the second INSERT then broke the unique name (a 500).
    user = make_user(app)
    make_expense(app, user.id, tags=("load",))
    real_lookup = services._tags_by_key
    lookups = []

    def missed_on_first_lookup(user_id, keys):
        lookups.append(list(keys))
        return {} if len(lookups) == 1 else real_lookup(user_id, keys)

    monkeypatch.setattr(services, "_tags_by_key", missed_on_first_lookup)
    with app.app_context():
        tags = services.resolve_tags(user.id, ["Load", "fresh"])
        db.session.commit()
        assert [tag.name for tag in tags] == ["load", "fresh"]
        count = select(func.count()).select_from(Tag).where(Tag.user_id == user.id)
        assert db.session.scalar(count) == 2
