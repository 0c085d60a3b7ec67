from collections.abc import Callable

from xfinances.core.audit import Actor
from xfinances.core.models import Company


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    return None
