"""Treasury pages print amounts in the page's language (issue 11): the `|money` filter went
around the formatting layer and printed `1 234,56` on English pages too."""

from __future__ import annotations

from xfinances.treasury.tests.factories import bank_account, money_in


def test_account_balances_are_english_on_an_english_page(company, client_as):
    account = bank_account(company)
    money_in(account, "1234.56")
    web = client_as(company, "owner")
    url = f"/c/{company.eik}/treasury/"
    assert "1\u00a0234,56" in web.get(url).content.decode()
    web.post("/i18n/setlang/", {"language": "en", "next": url})
    english = web.get(url).content.decode()
    assert "1,234.56" in english
    assert "1\u00a0234,56" not in english
