from .conftest import login


def test_login_then_dashboard(app, client, user):
    login(client, user)
    response = client.get("/")
    assert response.status_code == 200
    assert user.username in response.get_data(as_text=True)


def test_rows_from_one_test_are_gone_in_the_next_part_one(app, user):
    from expenses_app.extensions import db
    from expenses_app.models import User

    with app.app_context():
        assert db.session.query(User).count() == 1


def test_rows_from_one_test_are_gone_in_the_next_part_two(app, user):
    test_rows_from_one_test_are_gone_in_the_next_part_one(app, user)
