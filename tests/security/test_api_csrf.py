"""With CSRF on (as in development and production), the bearer-token API still accepts POSTs."""

from __future__ import annotations

import pytest

from tests.conftest import make_test_config


@pytest.fixture
def app_config(database_url):
    return make_test_config(database_url, WTF_CSRF_ENABLED=True)


def test_api_post_needs_no_csrf_token(client, login):
    headers = login(locale="en")
    response = client.post("/api/v1/auth/logout", headers=headers)
    assert response.status_code in (200, 204)


def test_every_api_blueprint_is_exempt(app):
    from app.extensions import csrf

    api_blueprints = [bp for name, bp in app.blueprints.items() if name.startswith("api.")]
    assert api_blueprints
    assert all(bp in csrf._exempt_blueprints for bp in api_blueprints)
