"""Generated payments with known answers for the matching engine (banking/matching.py).

`generate(parties=..., items_per_party=..., payments=..., seed=...)` returns open items, learned
aliases and `Case`s: an `Incoming` payment and the allocations a person would make for it (an
empty tuple when the payment pays no document). Bulgarian-style data: Cyrillic company and
person names, the payer's name written in Cyrillic, in upper-case Latin or cut short; BG IBANs;
10-digit document numbers with their RF references; remittance texts written the many ways
payers write them ("ф-ра 123", "Фактура № 0000000123/05.11.2025", "inv 123", "ф-ри 12, 13 и
14", an RF in the text with spaces), with dates, amounts, ЕИК and phone numbers around them.

The mix (shares of the payments), each with its known answer:
  reference: RF reference in the structured field (some partial, some short by a bank fee)
  rf_in_text: the RF reference written in the remittance text
  number: the document number in the text, in one of many spellings
  several: one payment for 2–4 documents named in the text
  partial: part of a document, its number in the text
  overpaid: more than the document, its number in the text
  short: less than the document by at most the tolerance, number in the text
  amount_only: nothing but the payer's IBAN and the exact amount
  wrong_number: the payer typed another client's number; IBAN and amount are right
  typo: the payer typed the number of the neighbouring document (±1) with the amount of the
    one meant (often the same client's other document)
  for_another: a parent company pays its subsidiary's document by its RF reference
  outgoing: our payment to a supplier echoing our end-to-end id
  noise: no document (a refund, a loan, an unknown sender): the right answer is nothing
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from xfinances.banking.matching import Incoming, OpenItem, alias_key, transliterate
from xfinances.invoicing.creditor_reference import rf_for_document

TOLERANCE = Decimal("1.00")
RUN_DAY = dt.date(2026, 11, 30)

MIX = (
    ("reference", 28),
    ("rf_in_text", 6),
    ("number", 30),
    ("several", 5),
    ("partial", 4),
    ("overpaid", 2),
    ("short", 3),
    ("amount_only", 8),
    ("wrong_number", 2),
    ("typo", 1),
    ("for_another", 1),
    ("outgoing", 6),
    ("noise", 6),
)

_STEMS = (
    "Алфа", "Бета", "Гама", "Делта", "Омега", "Вега", "Сириус", "Орион", "Балкан", "Витоша",
    "Пирин", "Рила", "Родопи", "Струма", "Марица", "Искър", "Янтра", "Тракия", "Мизия", "Добруджа",
    "Агро", "Техно", "Инфо", "Медико", "Електро", "Енерго", "Транс", "Строй", "Хими", "Фарма",
    "Ивел", "Зорница", "Светлина", "Надежда", "Слънце", "Звезда", "Еделвайс", "Щит", "Жерав",
    "Юнона", "Явор", "Цар", "Чайка", "Шипка", "Хемус", "Лотос", "Морско", "Злато", "Сребро",
)  # fmt: skip
_TRADES = (
    "Трейд", "Консулт", "Строй", "Логистик", "Инвест", "Груп", "Сервиз", "Фуудс", "Дизайн",
    "Софт", "Мебел", "Текстил", "Агро", "Пласт", "Метал", "Про", "Турс", "Принт", "Вет", "Лаб",
)  # fmt: skip
_FORMS = ("ООД", "ЕООД", "АД", "ЕАД")
_FIRST = (
    "Иван", "Георги", "Димитър", "Петър", "Николай", "Христо", "Живко", "Цветан", "Щерю",
    "Мария", "Елена", "Йорданка", "Юлия", "Надежда", "Красимир", "Стоян", "Благой", "Васил",
)  # fmt: skip
_LAST = (
    "Петров", "Иванов", "Георгиев", "Димитров", "Стоянов", "Христов", "Цветков", "Шишков",
    "Жеков", "Чолаков", "Йорданов", "Щерев", "Юруков", "Ковачев", "Попов", "Марков",
)  # fmt: skip
_BANK_CODES = ("UNCR", "BPBI", "STSA", "FINV", "RZBB", "UBBS", "CECB", "PRCB", "IORT", "TTBB")


@dataclass(frozen=True)
class Case:
    incoming: Incoming
    truth: tuple[tuple[str, int, Decimal], ...]  # the allocations a person would make
    scenario: str


@dataclass
class Party:
    id: int
    name: str
    eik: str
    ibans: tuple[str, ...]


@dataclass
class Generated:
    items: list[OpenItem]
    aliases: dict[str, int]
    cases: list[Case]
    parties: list[Party]


def _iban(rng: random.Random) -> str:
    bank = rng.choice(_BANK_CODES)
    body = f"{bank}{rng.randrange(10**4):04d}{rng.choice('0123456789')}{rng.randrange(10**7):07d}"
    digits = "".join(str(int(c, 36)) for c in body + "BG00")
    check = 98 - int(digits) % 97
    return f"BG{check:02d}{body}"


def _party_name(rng: random.Random, index: int) -> str:
    if rng.random() < 0.2:
        return f"ЕТ {rng.choice(_FIRST)} {rng.choice(_LAST)}"
    stem, trade = rng.choice(_STEMS), rng.choice(_TRADES)
    # Distinct names at scale: a number or a second stem, as real registers have.
    extra = "" if index % 3 == 0 else f" {index}" if index % 3 == 1 else f" {rng.choice(_STEMS)}"
    return f"{stem} {trade}{extra} {rng.choice(_FORMS)}"


def _latin(name: str, rng: random.Random) -> str:
    text = transliterate(name).upper()
    style = rng.random()
    if style < 0.3:
        return text.replace("ZH", "J").replace("SHT", "ST")
    if style < 0.5:
        return text[:35]  # banks cut names
    return text


def _written_name(party: Party, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return party.name
    if roll < 0.9:
        return _latin(party.name, rng)
    return party.name.upper()


def _amount(rng: random.Random) -> Decimal:
    if rng.random() < 0.15:
        return Decimal(rng.choice((50, 100, 120, 150, 200, 240, 250, 300, 500, 600, 1000)))
    return Decimal(rng.randrange(1_000, 500_000)) / 100


def _spell(number: str, rng: random.Random, day: dt.date) -> str:
    """A document number the way a payer might write it."""
    short = number.lstrip("0")
    date = day.strftime("%d.%m.%Y")
    forms = (
        f"ф-ра {short}",
        f"Ф-РА № {number}",
        f"фактура № {short}/{date}",
        f"Фактура №{number} от {date}",
        f"плащане по ф. {short}",
        f"inv {number}",
        f"INV{number}",
        f"invoice no. {short}",
        f"по фактура {short} от {day.strftime('%d.%m')}",
        f"{number}",
        f"ф-ра{short}",
        f"док. {number}",
        f"фф {short}",
        f"ПЛАЩАНЕ ФАКТУРА {short}",
    )
    return rng.choice(forms)


def _noise(rng: random.Random, party: Party | None) -> str:
    bits = []
    if rng.random() < 0.2:
        bits.append(f"сума {rng.randrange(1, 9999)},{rng.randrange(100):02d} лв")
    if party is not None and rng.random() < 0.15:
        bits.append(f"ЕИК {party.eik}")
    if rng.random() < 0.05:
        bits.append(f"тел 0888{rng.randrange(10**6):06d}")
    return " ".join(bits)


def generate(
    *,
    parties: int = 2_000,
    items_per_party: int = 10,
    payments: int = 10_000,
    seed: int = 12,
    purchase_share: float = 0.1,
) -> Generated:
    rng = random.Random(seed)
    people = []
    for k in range(1, parties + 1):
        eik = f"{100000000 + k * 7919 % 899999999:09d}"
        ibans = tuple(_iban(rng) for _ in range(rng.choice((1, 1, 1, 2))))
        people.append(Party(k, _party_name(rng, k), eik, ibans))
    items: list[OpenItem] = []
    by_party: dict[int, list[OpenItem]] = {}
    number = 0
    for party in people:
        own = []
        for _ in range(items_per_party):
            number += 1
            kind = "purchase" if rng.random() < purchase_share else "sales"
            issue = RUN_DAY - dt.timedelta(days=rng.randrange(5, 200))
            text_number = f"{number:010d}"
            reference = rf_for_document(text_number) if kind == "sales" else f"XF-E2E-{number:010d}"
            item = OpenItem(
                kind=kind,
                id=number,
                number=text_number,
                party_id=party.id,
                party_name=party.name,
                party_identifiers=(party.eik, f"BG{party.eik}", *party.ibans),
                reference=reference,
                open_amount=_amount(rng),
                currency="EUR",
                issue_date=issue,
                due_date=issue + dt.timedelta(days=rng.choice((7, 14, 30))),
            )
            own.append(item)
        by_party[party.id] = own
        items.extend(own)
    aliases: dict[str, int] = {}
    for party in rng.sample(people, k=max(1, parties // 20)):
        aliases[alias_key(_iban(rng))] = party.id  # a learned IBAN not in the register
    cases = list(_cases(rng, people, by_party, payments))
    return Generated(items, aliases, cases, people)


def _cases(
    rng: random.Random, people: list[Party], by_party: dict[int, list[OpenItem]], payments: int
) -> Iterator[Case]:
    """The payments of a statement: a document that one payment pays (in full or in part) is
    paid by no other, so every known answer holds whatever order the payments are matched in
    (a matching run takes a paid document out of its pool; a set that paid one invoice twice in
    full would score the second payment's answer as unreachable)."""
    scenarios = [name for name, _ in MIX]
    weights = [weight for _, weight in MIX]
    paid: set[tuple[str, int]] = set()
    for _ in range(payments):
        scenario = rng.choices(scenarios, weights)[0]
        party = rng.choice(people)
        own = [i for i in by_party[party.id] if (i.kind, i.id) not in paid]
        sales = [i for i in own if i.kind == "sales"]
        purchases = [i for i in own if i.kind == "purchase"]
        if scenario == "outgoing" and not purchases:
            scenario = "reference"
        if scenario != "outgoing" and not sales:
            scenario = "noise"
        case = _case(rng, scenario, party, sales, purchases, people, by_party)
        paid.update((kind, item_id) for kind, item_id, _amount in case.truth)
        yield case


@dataclass
class _Draw:
    """What every case draws first (in this order: the generator's sequence is the data set),
    and the incoming payment of the common shape."""

    rng: random.Random
    party: Party
    sales: list[OpenItem]
    purchases: list[OpenItem]
    people: list[Party]
    by_party: dict[int, list[OpenItem]]
    item: OpenItem | None
    day: dt.date
    iban: str
    name: str
    extra: str

    def incoming(
        self, amount: Decimal, text: str = "", reference: str = "", e2e: str = ""
    ) -> Incoming:
        return Incoming(
            amount=amount,
            currency="EUR",
            direction="credit",
            booking_date=self.day,
            reference=reference,
            end_to_end_id=e2e or "NOTPROVIDED",
            text=" ".join(t for t in (text, self.extra) if t)[:140],
            counterparty_name=self.name,
            counterparty_iban=self.iban,
        )

    def again(self, scenario: str) -> Case:
        return _case(
            self.rng, scenario, self.party, self.sales, self.purchases, self.people, self.by_party
        )


def _outgoing(d: _Draw) -> Case:
    target = d.rng.choice(d.purchases)
    return Case(
        Incoming(
            amount=target.open_amount,
            currency="EUR",
            direction="debit",
            booking_date=d.day,
            end_to_end_id=target.reference,
            text=f"Invoice {target.number}",
            counterparty_name=d.name,
            counterparty_iban=d.rng.choice(d.party.ibans),
        ),
        (("purchase", target.id, target.open_amount),),
        "outgoing",
    )


def _stranger(d: _Draw) -> Case:
    rng = d.rng
    stranger = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}".upper()
    text = rng.choice(
        (
            "връщане на заем",
            "дарение",
            f"наем по договор № {rng.randrange(100, 20000)}",
            "депозит",
            "",
            f"превод {rng.randrange(100, 20000)}",
        )
    )
    return Case(
        Incoming(
            amount=_amount(rng) + Decimal("0.37"),
            currency="EUR",
            direction="credit",
            booking_date=d.day,
            text=text,
            counterparty_name=stranger,
            counterparty_iban=_iban(rng),
        ),
        (),
        "noise",
    )


def _by_reference(d: _Draw, item: OpenItem) -> Case:
    roll = d.rng.random()
    if roll < 0.85:
        amount = item.open_amount
    elif roll < 0.95 and item.open_amount > 10:
        amount = (item.open_amount / 2).quantize(Decimal("0.01"))
    else:
        amount = item.open_amount - Decimal("0.50")
    return Case(
        d.incoming(amount, reference=item.reference),
        (("sales", item.id, min(amount, item.open_amount)),),
        "reference",
    )


def _rf_in_text(d: _Draw, item: OpenItem) -> Case:
    spaced = " ".join(item.reference[k : k + 4] for k in range(0, len(item.reference), 4))
    text = d.rng.choice((spaced, item.reference, f"плащане {spaced}", f"ref {item.reference}"))
    return Case(
        d.incoming(item.open_amount, text=text),
        (("sales", item.id, item.open_amount),),
        "rf_in_text",
    )


def _several(d: _Draw) -> Case:
    rng = d.rng
    chosen = rng.sample(d.sales, k=min(len(d.sales), rng.choice((2, 2, 3, 4))))
    numbers = [i.number.lstrip("0") for i in chosen]
    word = rng.choice(("ф-ри", "фактури", "Ф-РИ №", "inv"))
    listed = ", ".join(numbers[:-1]) + rng.choice((" и ", ", ")) + numbers[-1]
    total = sum((i.open_amount for i in chosen), Decimal(0))
    return Case(
        d.incoming(total, text=f"{word} {listed}"),
        tuple(("sales", i.id, i.open_amount) for i in chosen),
        "several",
    )


def _number_written(d: _Draw, item: OpenItem, scenario: str) -> Case:
    """The document's number in the text: paid in full, in part, over or a little short."""
    rng = d.rng
    if scenario == "number":
        text = _spell(item.number, rng, item.issue_date or d.day)
        return Case(
            d.incoming(item.open_amount, text=text),
            (("sales", item.id, item.open_amount),),
            scenario,
        )
    if scenario == "partial":
        amount = (item.open_amount * Decimal(rng.choice(("0.3", "0.5", "0.7")))).quantize(
            Decimal("0.01")
        )
        text = _spell(item.number, rng, d.day) + " частично"
        return Case(d.incoming(amount, text=text), (("sales", item.id, amount),), "partial")
    if scenario == "overpaid":
        amount = item.open_amount + Decimal(rng.randrange(5, 100))
        allocated = item.open_amount
    else:  # short
        amount = item.open_amount - Decimal(rng.choice(("0.20", "0.50", "0.90")))
        allocated = amount
    text = _spell(item.number, rng, d.day)
    return Case(d.incoming(amount, text=text), (("sales", item.id, allocated),), scenario)


def _typo(d: _Draw, item: OpenItem) -> Case:
    neighbour = f"{int(item.number) + d.rng.choice((-1, 1)):010d}"
    return Case(
        d.incoming(item.open_amount, text=_spell(neighbour, d.rng, d.day)),
        (("sales", item.id, item.open_amount),),
        "typo",
    )


def _for_another(d: _Draw, item: OpenItem) -> Case:
    parent = d.rng.choice(d.people)
    return Case(
        Incoming(
            amount=item.open_amount,
            currency="EUR",
            direction="credit",
            booking_date=d.day,
            reference=item.reference,
            text=f"за {item.party_name}",
            counterparty_name=_written_name(parent, d.rng),
            counterparty_iban=d.rng.choice(parent.ibans),
        ),
        (("sales", item.id, item.open_amount),),
        "for_another",
    )


def _amount_only(d: _Draw, scenario: str) -> Case:
    rng, sales = d.rng, d.sales
    # Unique among all the party's documents, paid ones included: a document another payment
    # pays may still be open, in part or not yet, when this one is matched.
    every = [i for i in d.by_party[d.party.id] if i.kind == "sales"]
    unique = [i for i in sales if sum(j.open_amount == i.open_amount for j in every) == 1]
    if not unique:
        return d.again("number")
    target = rng.choice(unique)
    iban = rng.choice(d.party.ibans)
    text = rng.choice(("плащане", "за услуги", "по договор", ""))
    if scenario == "wrong_number":
        other = rng.choice(d.by_party[rng.choice(d.people).id])
        text = _spell(other.number, rng, d.day)
    return Case(
        Incoming(
            amount=target.open_amount,
            currency="EUR",
            direction="credit",
            booking_date=d.day,
            text=text,
            counterparty_name=d.name,
            counterparty_iban=iban,
        ),
        (("sales", target.id, target.open_amount),),
        scenario,
    )


def _case(
    rng: random.Random,
    scenario: str,
    party: Party,
    sales: list[OpenItem],
    purchases: list[OpenItem],
    people: list[Party],
    by_party: dict[int, list[OpenItem]],
) -> Case:
    item = rng.choice(sales) if sales else None
    day = RUN_DAY - dt.timedelta(days=rng.randrange(0, 5))
    iban = rng.choice(party.ibans) if rng.random() < 0.6 else _iban(rng)
    name = _written_name(party, rng)
    extra = _noise(rng, party)
    d = _Draw(rng, party, sales, purchases, people, by_party, item, day, iban, name, extra)
    if scenario == "outgoing":
        return _outgoing(d)
    if scenario == "noise":
        return _stranger(d)
    assert item is not None
    if scenario == "reference":
        return _by_reference(d, item)
    if scenario == "rf_in_text":
        return _rf_in_text(d, item)
    if scenario == "number":
        return _number_written(d, item, "number")
    if scenario == "several" and len(sales) >= 2:
        return _several(d)
    if scenario in ("partial", "several") and item.open_amount > 10:
        return _number_written(d, item, "partial")
    if scenario in ("overpaid", "short"):
        return _number_written(d, item, scenario)
    if scenario == "typo":
        return _typo(d, item)
    if scenario == "for_another":
        return _for_another(d, item)
    if scenario in ("amount_only", "wrong_number"):
        return _amount_only(d, scenario)
    return d.again("number")


@dataclass(frozen=True)
class Quality:
    payments: int
    with_answer: int
    automatic: int
    automatic_correct: int
    review: int  # not automatic, at least one proposal
    review_correct_first: int  # ... and the first proposal is the right one
    unmatched: int

    @property
    def precision(self) -> float:
        return self.automatic_correct / self.automatic if self.automatic else 1.0

    @property
    def recall(self) -> float:
        return self.automatic_correct / self.with_answer if self.with_answer else 1.0

    def summary(self) -> str:
        return (
            f"{self.payments} payments ({self.with_answer} with an answer): automatic "
            f"{self.automatic} (precision {self.precision:.2%}, recall {self.recall:.2%}), "
            f"review {self.review} (first proposal right in {self.review_correct_first}), "
            f"unmatched {self.unmatched}"
        )


def _same(proposal_allocations: tuple[tuple[str, int, Decimal], ...], truth: tuple) -> bool:
    return sorted(proposal_allocations) == sorted(truth)


def evaluate(generated: Generated, index: object, propose: object) -> tuple[Quality, list]:
    """Run `propose` over every case; return the figures and the wrong automatic matches."""
    automatic = correct = review = review_right = unmatched = 0
    wrong = []
    for case in generated.cases:
        proposals = propose(  # type: ignore[operator]
            case.incoming, index, aliases=generated.aliases, tolerance=TOLERANCE
        )
        if proposals and proposals[0].automatic:
            automatic += 1
            if _same(proposals[0].allocations, case.truth):
                correct += 1
            else:
                wrong.append((case, proposals[0]))
        elif proposals:
            review += 1
            review_right += _same(proposals[0].allocations, case.truth)
        else:
            unmatched += 1
    with_answer = sum(1 for c in generated.cases if c.truth)
    quality = Quality(
        len(generated.cases), with_answer, automatic, correct, review, review_right, unmatched
    )
    return quality, wrong
