"""REST: the current company, its members, the caller."""

from __future__ import annotations

from ninja import Router, Schema

from xfinances.core.api_auth import require
from xfinances.core.models import Company
from xfinances.core.queries import members, memberships_of
from xfinances.core.tenancy import CompanyRequest

router = Router(tags=["company"])


class BankAccountOut(Schema):
    iban: str
    bic: str
    bank_name: str
    currency: str
    is_default: bool


class CompanyOut(Schema):
    name: str
    name_latin: str
    eik: str
    vat_registered: bool
    vat_number: str
    country: str
    city: str
    address: str
    mol: str
    default_currency: str
    document_language: str
    payment_terms_days: int
    bank_accounts: list[BankAccountOut]


class MembershipOut(Schema):
    company_eik: str
    company_name: str
    role: str


class MemberOut(Schema):
    email: str
    full_name: str
    role: str
    is_active: bool


class MeOut(Schema):
    email: str
    full_name: str
    language: str
    companies: list[MembershipOut]


def _company_out(company: Company) -> dict:
    return {
        **{f: getattr(company, f) for f in CompanyOut.model_fields if f != "bank_accounts"},
        "bank_accounts": list(company.bank_accounts.all()),
    }


@router.get("/me", response=MeOut, summary="The token's user and the companies it belongs to")
def me(request: CompanyRequest) -> dict:
    user = request.user
    return {
        "email": user.email,
        "full_name": user.full_name,
        "language": user.language,
        "companies": [
            {"company_eik": m.company.eik, "company_name": m.company.name, "role": m.role}
            for m in memberships_of(user)
        ],
    }


@router.get(
    "/companies", response=list[CompanyOut], summary="Companies the token's user belongs to"
)
def list_companies(request: CompanyRequest) -> list[dict]:
    return [_company_out(m.company) for m in memberships_of(request.user)]


@router.get("/company", response=CompanyOut, summary="The company chosen by X-Company")
def current_company(request: CompanyRequest) -> dict:
    require(request, "company.view")
    return _company_out(request.company)


@router.get("/users", response=list[MemberOut], summary="Users of the company and their roles")
def list_users(request: CompanyRequest) -> list[dict]:
    require(request, "members.view")
    return [
        {
            "email": m.user.email,
            "full_name": m.user.full_name,
            "role": m.role,
            "is_active": m.user.is_active,
        }
        for m in members(request.company)
    ]
