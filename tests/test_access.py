from urllib.parse import parse_qs, urlsplit

import pytest

from .conftest import csrf_token
from .url_map import PUBLIC_ENDPOINTS, placeholder_values, routes


def test_every_non_public_route_sends_anonymous_users_to_login(app, client):
    token = csrf_token(client)
    checked, failures = 0, []
    for route in routes(app):
        if route.endpoint in PUBLIC_ENDPOINTS:
            continue
        path = route.build(placeholder_values(route))
        for method in sorted(route.methods & {"GET", "POST"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(path, method=method, data=data)
            checked += 1
            location = urlsplit(response.headers.get("Location", ""))
            if (
                response.status_code != 302
                or location.path != "/auth/login"
                or parse_qs(location.query).get("next") != [path]
            ):
                failures.append(f"{method} {path} ({route.endpoint}): {response.status_code}")
    assert failures == []
    assert checked >= 8


@pytest.mark.parametrize("endpoint", sorted(PUBLIC_ENDPOINTS))
def test_public_endpoints_exist(app, endpoint):
    assert endpoint in {route.endpoint for route in routes(app)}


def test_every_state_change_is_a_post_not_a_get(app):
    suspicious = [
        str(route)
        for route in routes(app)
        if "GET" in route.methods
        and any(word in route.rule for word in ("delete", "logout", "restore", "confirm"))
    ]
    assert suspicious == []
