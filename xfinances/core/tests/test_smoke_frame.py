"""The frame answers: a member sees the dashboard; the API knows the token's company."""


def test_member_sees_dashboard_with_company_name(client_as, company):
    client = client_as(company, "viewer")
    response = client.get(f"/c/{company.eik}/")
    assert response.status_code == 200
    assert company.name in response.content.decode()


def test_api_company_is_the_tokens_only_company(api_as, company):
    api = api_as(company, "sales")
    response = api.get("/company")
    assert response.status_code == 200
    assert response.json()["eik"] == company.eik
