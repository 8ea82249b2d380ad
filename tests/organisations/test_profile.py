from django.urls import reverse


def test_it_works(client, bob):
    client.force_login(bob)
    response = client.get(reverse("profile"))
    assert response.status_code == 200
    assert bob.email in response.text
    assert "Email reminders" in response.text


def test_it_saves_the_choice_of_essential_emails_only(client, bob):
    client.force_login(bob)
    response = client.post(reverse("profile"), {"reminders": "essential"})
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.reminders_opt_out
    client.post(reverse("profile"), {"reminders": "all"})
    bob.refresh_from_db()
    assert not bob.reminders_opt_out


def test_it_explains_a_missing_choice(client, bob):
    client.force_login(bob)
    response = client.post(reverse("profile"), {"reminders": "sometimes"})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    bob.refresh_from_db()
    assert not bob.reminders_opt_out


def test_it_sends_anonymous_people_to_sign_in(client, db):
    response = client.get(reverse("profile"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
