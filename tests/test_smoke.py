import pytest


@pytest.mark.django_db
def test_landing_page_answers_in_finnish_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'lang="fi"' in response.content.decode()


@pytest.mark.django_db
def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
