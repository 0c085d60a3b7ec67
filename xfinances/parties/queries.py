from xfinances.core.models import Company


def counts(company: Company) -> dict[str, int]:
    return {"clients": 0, "suppliers": 0}
