"""Writes of the budget module with a rule of their own: approving a modification."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from secpla.budget import rules
from secpla.budget.models import AgreementRule, Modification
from secpla.core import services as core_services


def modification_review(modification: Modification) -> tuple[rules.Balance, list[str]]:
    lines = rules.modification_lines(modification)
    return rules.balance(lines), rules.agreement_reasons(
        lines, AgreementRule.in_force(modification.date)
    )


def modification_approve(
    *, actor, modification: Modification, on: dt.date | None = None, reason: str = ""
) -> Modification:
    """Approve a balanced modification from `on`; one that needs the Concejo needs its
    agreement number and date first. Only then does it change the presupuesto vigente."""
    on = on or timezone.localdate()
    with transaction.atomic():
        modification = Modification.objects.select_for_update().get(pk=modification.pk)
        if modification.status != Modification.Status.DRAFT:
            raise ValidationError("Solo se aprueba una modificación en preparación.")
        lines = rules.modification_lines(modification)
        if not lines:
            raise ValidationError("La modificación no tiene líneas.")
        balance = rules.balance(lines)
        if not balance.ok:
            raise ValidationError(balance.message())
        reasons = rules.agreement_reasons(lines, AgreementRule.in_force(modification.date))
        modification.requires_agreement = bool(reasons)
        if reasons and not (modification.agreement_number and modification.agreement_date):
            raise ValidationError(
                "Requiere acuerdo del Concejo: "
                + " ".join(reasons)
                + " Indique el número y la fecha del acuerdo."
            )
        if modification.agreement_date and on < modification.agreement_date:
            raise ValidationError("No puede regir antes del acuerdo del Concejo.")
        modification.status = Modification.Status.APPROVED
        modification.approved_on = on
        core_services.record_update(actor=actor, instance=modification, reason=reason)
    return modification
