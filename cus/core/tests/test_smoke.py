import pytest


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'id="main"' in response.content


@pytest.mark.django_db
def test_director_sees_home(login, director):
    response = login(director).get("/")
    assert response.status_code == 200
    assert director.full_name.split()[0].encode() in response.content
