"""The one input boundary (issue 14, defects 3, 6 and 8): what the API and the pages refuse
before any action runs — unknown fields, a list as a body, oversized bodies, NUL bytes and lone
surrogates, paging beyond bounds, numbers beyond 64 bits — with a 4xx, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from xfinances.core import readers

pytestmark = pytest.mark.django_db

PARTY = {"name": "Гама ООД", "is_client": True}


def _post_raw(client: Any, api: Any, path: str, raw: bytes | str) -> Any:
    return client.post(
        f"/api/v1{path}", raw, content_type="application/json", headers=api._headers()
    )


def _parties(api: Any) -> int:
    return int(api.get("/parties").json()["count"])


def test_unknown_json_fields_are_refused(company: Any, api_as: Any) -> None:
    api = api_as(company)
    response = api.post("/parties", PARTY | {"nmae": "typo"})
    assert response.status_code == 422
    assert "nmae" in json.dumps(response.json()["errors"])
    assert _parties(api) == 0


def test_a_json_list_as_body_is_refused(company: Any, api_as: Any, client: Any) -> None:
    api = api_as(company)
    response = _post_raw(client, api, "/parties", json.dumps([PARTY]))
    assert response.status_code == 422
    assert _parties(api) == 0


def test_a_body_over_the_cap_is_refused(company: Any, api_as: Any, client: Any, settings: Any):
    settings.API_MAX_BODY_BYTES = 1000
    api = api_as(company)
    response = _post_raw(client, api, "/parties", json.dumps(PARTY | {"notes": "x" * 2000}))
    assert response.status_code == 413
    assert _parties(api) == 0


@pytest.mark.parametrize(
    "raw",
    [
        '{"name": "Гама\\u0000 ООД", "is_client": true}',
        '{"name": "Гама \\ud800 ООД", "is_client": true}',
        json.dumps({"name": "Гама ООД", "is_client": True, "notes": "ж" * 100_001}),
    ],
    ids=["nul", "lone-surrogate", "too-long"],
)
def test_text_with_nul_a_lone_surrogate_or_beyond_the_limit_is_refused(
    company: Any, api_as: Any, client: Any, raw: str
) -> None:
    api = api_as(company)
    response = _post_raw(client, api, "/parties", raw)
    assert response.status_code == 422, response.content
    assert _parties(api) == 0


@pytest.mark.parametrize(
    "query",
    [{"offset": str(2**64)}, {"offset": "-1"}, {"limit": "999999999999999999999"}],
)
def test_paging_is_bounded(company: Any, api_as: Any, query: dict[str, str]) -> None:
    response = api_as(company).get("/parties", **query)
    assert response.status_code == 422


def test_an_id_beyond_64_bits_is_not_found(company: Any, api_as: Any) -> None:
    assert api_as(company).get(f"/parties/{2**70}").status_code == 404


@pytest.mark.parametrize(
    "path",
    ["/portal/\x00/", "/api/v1/parties?q=a%00b", "/c/%00/parties/", "/login/?next=%00"],
)
def test_nul_bytes_in_addresses_are_a_client_error(client: Any, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)


def test_error_messages_show_no_server_paths(company: Any, api_as: Any, client: Any) -> None:
    api = api_as(company)
    response = _post_raw(client, api, "/parties", b"{not json")
    assert response.status_code in (400, 422)
    assert "/work" not in response.content.decode() and ".py" not in response.content.decode()


def test_login_email_is_case_insensitive(company: Any, make_member: Any, client: Any) -> None:
    make_member(company, "owner", email="Owner.Case@Example.bg")
    response = client.post(
        "/login/", {"username": "OWNER.case@example.BG", "password": "Test-Parola-2026!"}
    )
    assert response.status_code == 302


def test_dates_are_within_the_configured_range(settings: Any) -> None:
    import datetime as dt

    settings.XFINANCES_MIN_DATE = "2000-01-01"
    settings.XFINANCES_MAX_DATE = "2099-12-31"
    assert readers.date("2026-03-05") == dt.date(2026, 3, 5)
    for value in ("0001-01-01", "9999-12-31", "1999-12-31", "2100-01-01"):
        with pytest.raises(readers.ReadError):
            readers.date(value)
    settings.XFINANCES_MAX_DATE = "2030-12-31"
    with pytest.raises(readers.ReadError):
        readers.date("2031-01-01")


def test_amounts_beyond_the_database_precision_are_refused() -> None:
    for value in ("1e20", "1E5", "10000000000000000", "Infinity", "NaN"):
        with pytest.raises(readers.ReadError):
            readers.amount(value)


def test_a_form_body_over_the_cap_is_refused(client: Any, settings: Any) -> None:
    # Pages took descriptions of megabytes; a form without files is capped like the API.
    settings.FORM_MAX_BODY_BYTES = 1000
    response = client.post(
        "/login/",
        "username=a%40b.bg&password=" + "x" * 2000,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413
