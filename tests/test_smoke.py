from tests.conftest import sign_in


def test_admin_signs_in_and_sees_people(client, make_user):
    admin = make_user("boss@example.com", roles=("admin",))
    response = sign_in(client, admin.email)
    assert response.status_code == 303
    page = client.get("/admin/users").get_data(as_text=True)
    assert "boss@example.com" in page
