import os
import subprocess
import sys
from pathlib import Path

from django.urls import reverse

from config.middleware import CONTENT_SECURITY_POLICY
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert csp == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    for directive in ("frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"):
        assert directive in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]


def test_a_signed_in_page_is_never_cached(client, alice, partnership):
    client.force_login(alice)
    response = client.get(reverse("dashboard"))
    _assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_a_404_and_a_403_carry_the_headers(client, alice, dan, partnership):
    client.force_login(dan)
    not_found = client.get(reverse("partnerships:detail", kwargs={"code": partnership.code}))
    assert not_found.status_code == 404
    _assert_security_headers(not_found)
    client.force_login(alice)
    forbidden = client.get(reverse("partnerships:edit", kwargs={"code": partnership.code}))
    assert forbidden.status_code == 403
    _assert_security_headers(forbidden)
    assert forbidden.headers["Cache-Control"] == "no-store"


def test_the_sign_in_page_carries_the_headers(client, db):
    _assert_security_headers(client.get(reverse("login")))


def test_cookies_are_secure_httponly_and_lax_in_production(client, alice, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.get(reverse("login"))
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(reverse("login"), {"username": alice.email, "password": PASSWORD})
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_production_settings_pass_the_deploy_check():
    """With only DEBUG, SECRET_KEY and ALLOWED_HOSTS set, Django's deploy check is clean."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "SECURE_", "DEBUG"))
    }
    env.update(
        DEBUG="false",
        SECRET_KEY="a-production-like-secret-key-of-sufficient-length-and-variety-0123456789",
        ALLOWED_HOSTS="partnership-health.example.org",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_an_export_carries_the_headers(client, carol, partnership):
    client.force_login(carol)
    response = client.get(reverse("partnerships:report_csv", kwargs={"kind": "partnerships"}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    _assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"
