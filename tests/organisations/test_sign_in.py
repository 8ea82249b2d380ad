import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from tests.conftest import PASSWORD


def test_it_signs_in_with_the_email_address(client, alice):
    response = client.post(
        reverse("login"), {"username": "Alice@Riverside.example", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("dashboard")


def test_it_gives_the_same_message_for_an_unknown_email_and_a_wrong_password(client, alice):
    wrong_password = client.post(
        reverse("login"), {"username": alice.email, "password": "not the password"}
    )
    unknown_email = client.post(
        reverse("login"), {"username": "nobody@example.org", "password": PASSWORD}
    )
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert "Enter a correct email address and password." in response.text
    assert "_auth_user_id" not in client.session


def test_it_says_which_field_is_missing_and_keeps_the_email(client):
    response = client.post(reverse("login"), {"username": "alice@riverside.example"})
    assert "There is a problem" in response.text
    assert "Enter your password" in response.text
    assert 'value="alice@riverside.example"' in response.text


def test_sign_out_ends_the_session(client, alice):
    client.force_login(alice)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_password_reset_does_not_reveal_whether_an_account_exists(client, alice):
    known = client.post(reverse("password_reset"), {"email": alice.email}, follow=True)
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"}, follow=True)
    assert "If an account exists" in known.text
    assert "If an account exists" in unknown.text
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [alice.email]


def test_password_reset_link_sets_a_new_password(client, alice):
    client.post(reverse("password_reset"), {"email": alice.email})
    link = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    new_password = "a longer brand new passphrase"
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert client.login(username=alice.email, password=new_password)


@pytest.mark.parametrize("host", ["127.0.0.1:6666", "localhost", "testserver:8443"])
@override_settings(SITE_URL="https://health.example.org")
def test_password_reset_link_is_built_from_site_url_not_the_host_header(client, alice, host):
    """Any allowed host name, with any port, reaches the page: the link must not follow it."""
    client.post(reverse("password_reset"), {"email": alice.email}, headers={"host": host})
    [email] = mail.outbox
    links = re.findall(r"\S+/accounts/password-reset/\S+/", email.body)
    assert links
    assert all(link.startswith("https://health.example.org/accounts/") for link in links)
    assert host not in email.body


def test_password_reset_refuses_a_short_password(client, alice):
    client.post(reverse("password_reset"), {"email": alice.email})
    link = re.search(r"https?://[^/]+(/accounts/password-reset/\S+/)", mail.outbox[0].body)[1]
    form_page = client.get(link, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "at least 12 characters" in response.text
