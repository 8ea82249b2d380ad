from django.db import connection
from django.urls import reverse


def test_it_answers_200_without_signing_in(client, db):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.text == "ok\n"


def test_it_answers_503_when_the_database_is_unreachable(client, db, settings):
    # A real failed connection: point the default database at a closed port.
    connection.close()
    original = connection.settings_dict.copy()
    connection.settings_dict.update({"PORT": "1", "HOST": "127.0.0.1"})
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)
    assert response.status_code == 503
