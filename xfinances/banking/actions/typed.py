"""Bank lines a person may have typed in by hand before the statement came.

The import pairs a line with a movement typed in by hand only where that is certain
(`importing._typed_movements`); a line for which such a movement exists but the pairing is not
certain (two of the same amount, or dated further from the booking) is flagged `maybe_typed`,
gets its own movement, and waits in the review queue, which shows the movements it may be. A
person then says either

- **the same payment** (`take_typed_movement`): the line takes the typed movement (with the
  payment a person recorded on it, if any) and its own movement is taken out of treasury —
  deleted, or reversed once its period is closed or accounting exported it — so the balance
  counts the money once; or
- **two payments** (`keep_apart`): the flag goes and the line is matched as any other.

A pairing found wrong later (by the import or a person) is taken back with `part_from_typed`:
the line gets a movement of its own again and is matched as any other.

Either way the line is matched again at once, and lines of the same account that had only this
movement to be are released too.

The other way round — a person types a payment in by hand after its line came with a statement
— asks the same question: `ask_about_lines_on_typed` (subscriber of treasury's
`MovementTypedIn`) flags the lines still open that the new movement may be, and
`notes_on_typed` tells the person where the question waits. When the typed money goes again
(taken back with its payment, deleted, reversed, changed), `release_lines_on_gone` releases the
lines that have nothing left to be compared with and matches them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import queries
from xfinances.banking.actions.reconcile import (
    MatchResult,
    match_entries,
    release_typed_lines,
    stale_typed_lines,
)
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, ProposalState
from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can, role_of
from xfinances.core.roles import can
from xfinances.payments.models import Payment
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.events import MovementTypedIn, TypedMoneyGone
from xfinances.treasury.models import MoneyAccount, Movement, MovementSource

_OPEN_STATES = (MatchState.REVIEW, MatchState.UNMATCHED)


def _locked_entry(actor: Actor, entry: BankEntry) -> BankEntry:
    company = entry.company
    ensure_can(actor, company, "payments.change")
    entry = BankEntry.objects.select_for_update().get(pk=entry.pk, company=company)
    entry.company = company
    if entry.match_state not in _OPEN_STATES:
        raise Conflict(_("This bank line is already settled: undo its match first."), field="entry")
    return entry


def _unflag(actor: Actor, entry: BankEntry) -> None:
    """The line leaves the question: its open proposals are replaced by the next matching."""
    MatchProposal.objects.filter(entry=entry, state=ProposalState.OPEN).update(
        state=ProposalState.SUPERSEDED, decided_by=actor.user, decided_at=timezone.now()
    )
    entry.maybe_typed = False
    entry.match_state = MatchState.UNMATCHED
    entry.save(update_fields=["maybe_typed", "match_state"])


def _rematch(actor: Actor, company: Company, entry: BankEntry) -> MatchResult:
    """Match the answered line, with the other flagged lines of its account still waiting that
    no free typed movement may be any longer: their question is answered with this one."""
    waiting = BankEntry.objects.filter(
        company=company,
        account_id=entry.account_id,
        maybe_typed=True,
        match_state=MatchState.REVIEW,
    ).exclude(pk=entry.pk)
    released = stale_typed_lines(company, list(waiting))
    release_typed_lines(actor, company, released)
    return match_entries(actor, company, [entry.pk, *released])


@transaction.atomic
def take_typed_movement(actor: Actor, entry: BankEntry, movement: Movement) -> BankEntry:
    """The bank line and the movement a person typed in by hand are one payment: the line
    takes the typed movement and its own one is taken out of treasury. Refused, changing
    nothing: a settled line, a line whose own movement carries a payment, a movement of
    another account or amount, one not typed by hand, reversed, or already another line's."""
    company = entry.company
    entry = _locked_entry(actor, entry)
    # The account before its movements, as every treasury action locks them.
    MoneyAccount.objects.select_for_update().filter(pk=entry.account_id, company=company).first()
    own = Movement.objects.select_for_update().filter(pk=entry.movement_id, company=company).first()
    if own is None or own.source not in (MovementSource.STATEMENT, MovementSource.PSD2):
        raise Conflict(_("This bank line already has a movement typed in by hand."), field="entry")
    if Payment.objects.filter(company=company, movement=own).exists():
        raise Conflict(
            _("A payment is recorded on this bank line's movement: undo it first."),
            field="entry",
        )
    free = queries.free_typed_movements(
        company, [entry.account_id], movement.date, movement.date
    ).filter(pk=movement.pk)
    typed = Movement.objects.select_for_update().filter(pk=movement.pk, company=company).first()
    if typed is None or not free.exists():
        raise InvalidInput(
            {
                "movement": [
                    _(
                        "Choose a movement typed in by hand on this account that no other bank "
                        "line has taken and that is not reversed."
                    )
                ]
            }
        )
    if typed.amount != entry.amount:
        raise InvalidInput(
            {
                "movement": [
                    _("The movement is %(movement)s and the bank line %(line)s: not one payment.")
                    % {
                        "movement": formatting.money(typed.amount, typed.currency),
                        "line": formatting.money(entry.amount, entry.currency),
                    }
                ]
            }
        )
    before = audit.snapshot(entry)
    entry.movement = typed
    entry.save(update_fields=["movement"])  # before its own movement goes: nothing points at it
    _unflag(actor, entry)
    reversal = treasury_actions.withdraw_bank_movement(
        actor,
        own,
        reason=_("Bank line of %(date)s: typed in by hand already (movement of %(typed)s)")
        % {"date": formatting.date(entry.booking_date), "typed": formatting.date(typed.date)},
        on=max(timezone.localdate(), own.date),
    )
    reason = (
        _("Its own movement was reversed on %(date)s.") % {"date": formatting.date(reversal.date)}
        if reversal is not None
        else _("Its own movement was deleted.")
    )
    _rematch(actor, company, entry)
    entry.refresh_from_db()
    # Recorded as it ends: matched again (or waiting once more), not the state in between.
    audit.record_update(actor, company, "take_typed_movement", entry, before, reason)
    return entry


@transaction.atomic
def keep_apart(actor: Actor, entry: BankEntry, *, reason: str = "") -> BankEntry:
    """The bank line is not the movement typed in by hand it may have been: two payments. The
    line is matched as any other (automatically, when it fits so)."""
    company = entry.company
    entry = _locked_entry(actor, entry)
    if not entry.maybe_typed:
        raise Conflict(_("No movement typed in by hand waits to be compared with this line."))
    before = audit.snapshot(entry)
    _unflag(actor, entry)
    _rematch(actor, company, entry)
    entry.refresh_from_db()
    audit.record_update(actor, company, "keep_bank_line_apart", entry, before, reason.strip())
    return entry


@transaction.atomic
def part_from_typed(actor: Actor, entry: BankEntry, *, reason: str = "") -> BankEntry:
    """The bank line took a movement typed in by hand — the import's pairing, or a person's
    "the same payment" — but they are two payments (two clients paid the same amount that
    week). The line gets a movement of its own again, from the bank's data, and is matched as
    any other; the typed movement, with the payment a person recorded on it, is free again.
    Refused, changing nothing: a line on its own movement, a line whose match is applied
    (undo it first), a line dated in a closed period."""
    company = entry.company
    ensure_can(actor, company, "payments.change")
    account = MoneyAccount.objects.select_for_update().get(pk=entry.account_id, company=company)
    entry = BankEntry.objects.select_for_update().get(pk=entry.pk, company=company)
    entry.company = company
    typed = (
        Movement.objects.filter(pk=entry.movement_id, company=company).first()
        if entry.movement_id is not None
        else None
    )
    if typed is None or typed.source != MovementSource.MANUAL:
        raise Conflict(_("This bank line is on a movement of its own from the bank."))
    if MatchProposal.objects.filter(entry=entry, state=ProposalState.APPLIED).exists():
        raise Conflict(_("Undo the line's match first."), field="entry")
    taken = Movement.objects.filter(account=account, bank_reference=entry.bank_id).exists()
    [own] = treasury_actions.record_bank_movements(
        actor,
        account,
        [
            {
                "date": entry.booking_date,
                "amount": entry.amount,
                "counterparty_name": entry.counterparty_name,
                "counterparty_iban": entry.counterparty_iban,
                "description": entry.text,
                # A reversed movement of the line's may hold the bank's reference already.
                "bank_reference": "" if taken else entry.bank_id,
                "end_to_end_id": entry.end_to_end_id,
                "remittance_info": entry.reference or entry.text,
                "raw_data": {**entry.raw, "parted_from": typed.pk},
            }
        ],
        source=MovementSource.STATEMENT if entry.statement_id else MovementSource.PSD2,
    )
    # Payments recorded on the typed movement after the line came were made for the line
    # (matching, a review decision): they go with it. The person's own payment stays.
    for payment in Payment.objects.select_for_update().filter(
        company=company, movement=typed, created_at__gte=entry.created_at
    ):
        moved = audit.snapshot(payment)
        payment.movement_id = own
        payment.save(update_fields=["movement"])
        audit.record_update(actor, company, "part_line_from_typed", payment, moved)
    before = audit.snapshot(entry)
    entry.movement_id = own
    if (
        entry.payment_id is not None
        and not Payment.objects.filter(pk=entry.payment_id, movement_id=own).exists()
    ):
        entry.payment = None  # the person's payment stays on the typed movement
    entry.save(update_fields=["movement", "payment"])
    _unflag(actor, entry)
    match_entries(actor, company, [entry.pk])
    entry.refresh_from_db()
    note = _("Parted from the movement of %(date)s typed in by hand.") % {
        "date": formatting.date(typed.date)
    }
    text = f"{note} {reason.strip()}".strip()
    audit.record_update(actor, company, "part_line_from_typed", entry, before, text)
    return entry


def _lines_a_typed_movement_may_be(movement: Movement) -> QuerySet[BankEntry]:
    """Statement lines of the movement's account and amount, booked a week before to a month
    after it (the window `typed_candidates` looks back from a line), not settled, whose own
    movement is the bank's and carries no payment."""
    return BankEntry.objects.filter(
        company_id=movement.company_id,
        account_id=movement.account_id,
        amount=movement.amount,
        booking_date__gte=movement.date - queries.DOUBT_AFTER,
        booking_date__lte=movement.date + queries.DOUBT_BEFORE,
        movement__source__in=(MovementSource.STATEMENT, MovementSource.PSD2),
    ).filter(~Exists(Payment.objects.filter(movement_id=OuterRef("movement_id"))))


def ask_about_lines_on_typed(event: MovementTypedIn) -> None:
    """IN_TRANSACTION subscriber of `MovementTypedIn`: a person typed in money that a statement
    line already brought may be. Each such line not settled (not matched, waiting, or dismissed)
    is flagged and waits in the review queue with the question; nothing is paired without the
    person."""
    movement = event.movement
    if BankEntry.objects.filter(movement=movement).exists():
        return  # a bank line's already: its amount and date stay the bank's (`money_locked`)
    waiting = _lines_a_typed_movement_may_be(movement).filter(
        maybe_typed=False,
        match_state__in=(MatchState.UNMATCHED, MatchState.REVIEW, MatchState.DISMISSED),
    )
    company = movement.company  # loaded with the movement by the treasury action
    for entry in waiting.select_for_update().order_by("pk"):
        before = audit.snapshot(entry)
        entry.maybe_typed = True
        entry.match_state = MatchState.REVIEW
        entry.save(update_fields=["maybe_typed", "match_state"])
        audit.record_update(
            event.actor,
            company,
            "ask_line_may_be_typed",
            entry,
            before,
            _("A movement of %(date)s typed in by hand may be this line.")
            % {"date": formatting.date(movement.date)},
        )


def release_lines_on_gone(event: TypedMoneyGone) -> None:
    """IN_TRANSACTION subscriber of treasury's `TypedMoneyGone`: money typed in by hand was
    taken back, deleted, reversed or changed. The lines flagged because of it that no other
    typed movement may be any longer have no question left: they are released and matched at
    once (or by the next matching run, when the person may not allocate payments), so a line
    whose invoice is open again settles it."""
    waiting = list(
        BankEntry.objects.select_for_update()
        .filter(
            company_id=event.company_id,
            account_id=event.account_id,
            amount=event.amount,
            maybe_typed=True,
            match_state=MatchState.REVIEW,
            booking_date__gte=event.date - queries.DOUBT_AFTER,
            booking_date__lte=event.date + queries.DOUBT_BEFORE,
        )
        .order_by("pk")
    )
    if not waiting:
        return
    company = Company.objects.get(pk=event.company_id)
    stale = set(stale_typed_lines(company, waiting))
    released = [entry for entry in waiting if entry.pk in stale]
    if not released:
        return
    reason = _("The movement of %(date)s typed in by hand that it may have been is gone.") % {
        "date": formatting.date(event.date)
    }
    for entry in released:
        before = audit.snapshot(entry)
        _unflag(event.actor, entry)
        audit.record_update(event.actor, company, "release_line_from_typed", entry, before, reason)
    if event.actor.user is None or can(role_of(event.actor.user.pk, company), "payments.change"):
        match_entries(event.actor, company, [entry.pk for entry in released])


def notes_on_typed(movement: Movement) -> list[str]:
    """Provider of treasury's `typed_movement_notes`: the statement lines the movement just typed
    in may be, for the page to say where the question waits."""
    lines = _lines_a_typed_movement_may_be(movement).filter(
        maybe_typed=True, match_state=MatchState.REVIEW
    )
    return [
        _(
            "A bank line of %(date)s for %(amount)s came with a statement and may be this "
            "payment: the review queue asks whether it is the same, so it is not counted twice."
        )
        % {
            "date": formatting.date(entry.booking_date),
            "amount": formatting.money(entry.amount, entry.currency),
        }
        for entry in lines.order_by("booking_date", "pk")[:5]
    ]


def money_locked(movement: Movement) -> str | None:
    """Provider of treasury's `money_locked_reason`: a movement a bank line holds (the line's
    own, or one typed in by hand and paired with the line) keeps the bank's amount and date and
    is neither deleted nor reversed by hand (the bank reverses with a line of its own); its
    description and category may still change."""
    entry = BankEntry.objects.filter(movement=movement).only("booking_date").first()
    if entry is None:
        return None
    return _(
        "This movement is the bank line of %(date)s from a statement: its amount and date are "
        "the bank's, and it can be neither deleted nor reversed."
    ) % {"date": formatting.date(entry.booking_date)}
