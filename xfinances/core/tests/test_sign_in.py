"""Sign-in by e-mail, throttling after repeated failures, password reset by e-mail, language."""

from django.core import mail


def test_sign_in_with_email_and_land_on_the_only_company(client, company, owner):
    response = client.post("/login/", {"username": owner.email, "password": "Test-Parola-2026!"})
    assert response.status_code == 302
    assert client.get("/").url == f"/c/{company.eik}/"


def test_wrong_password_shows_error(client, owner):
    response = client.post("/login/", {"username": owner.email, "password": "wrong-password"})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_repeated_failures_lock_the_login(client, owner, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": owner.email, "password": "wrong-password"})
    locked = client.post("/login/", {"username": owner.email, "password": "Test-Parola-2026!"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client, owner):
    client.post("/password-reset/", {"email": owner.email})
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Nova-Parola-2027?", "new_password2": "Nova-Parola-2027?"},
    )
    assert done.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("Nova-Parola-2027?")


def test_reset_for_unknown_email_reveals_nothing(client, db):
    response = client.post("/password-reset/", {"email": "nobody@example.bg"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_bulgarian_by_default_english_on_request(client, company, owner):
    client.force_login(owner)
    bulgarian = client.get(f"/c/{company.eik}/members/").content.decode()
    assert "Потребители и роли" in bulgarian
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/c/{company.eik}/members/").content.decode()
    assert "Users and roles" in english


def test_user_with_several_companies_chooses(client, company, other_company, make_member):
    user = make_member(company, "viewer", email="two@example.bg")
    make_member(other_company, "sales", email="two@example.bg")
    client.force_login(user)
    page = client.get("/")
    assert page.status_code == 200
    assert company.name in page.content.decode() and other_company.name in page.content.decode()
    client.get(f"/c/{other_company.eik}/")
    assert client.get("/").url == f"/c/{other_company.eik}/"


def test_english_browser_still_gets_bulgarian_until_the_user_switches(client, company, owner):
    client.force_login(owner)
    page = client.get(f"/c/{company.eik}/members/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "Потребители и роли" in page.content.decode()
    assert page["Content-Language"] == "bg"


def test_users_saved_language_applies_without_a_cookie(client, company, owner):
    owner.language = "en"
    owner.save(update_fields=["language"])
    client.force_login(owner)
    assert "Users and roles" in client.get(f"/c/{company.eik}/members/").content.decode()


def test_switching_language_is_remembered_on_the_user(client, company, owner):
    client.force_login(owner)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    owner.refresh_from_db()
    assert owner.language == "en"
    client.cookies.clear()
    client.force_login(owner)
    assert "Users and roles" in client.get(f"/c/{company.eik}/members/").content.decode()
