"""Writes of the budget module with a rule of their own.

- The classifier: copying a year's classifier to a new year (one transaction, one log entry
  for the version; the accounts go in bulk), deleting a classifier nobody uses, and the
  municipality's own desagregaciones (official accounts keep their code and are never
  deleted).
- Modifications: created and edited only while «en preparación»; their lines likewise.
  Approving (the only way a modification changes the presupuesto vigente) and rejecting are
  the only status changes.

Plain catalogue records (áreas, rules, calendars) go through core.services.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from secpla.budget import rules
from secpla.budget.models import (
    LEVEL_BY_PARTS,
    Account,
    AccountProject,
    AgreementRule,
    BudgetRequest,
    BudgetYear,
    ClassifierVersion,
    ExecutionRow,
    InitialAmount,
    Level,
    Modification,
    ModificationLine,
    parent_code,
)
from secpla.core import services as core_services
from secpla.core.audit import audit_context

# Levels a municipality may add below the official classifier (subtítulos and ítems are
# fixed by the Hacienda decree; the Alcalde disaggregates asignaciones).
MUNICIPAL_LEVELS = (Level.ALLOCATION, Level.SUBALLOCATION)


_require = core_services._require


# --------------------------------------------------------------------------------------
# Classifier
# --------------------------------------------------------------------------------------


def classifier_copy(
    *, actor, source: ClassifierVersion, year: int, reason: str = ""
) -> ClassifierVersion:
    """The classifier of `year`, with every account of `source` (official ones and the
    municipality's desagregaciones, parents first, same names and sources).

    One transaction; the change log gets one entry, the new version's, whose reason says
    what was copied (the accounts go in with bulk_create, not one by one)."""
    _require(actor, "add", ClassifierVersion)
    _require(actor, "add", Account)
    version = ClassifierVersion(
        year=year,
        source=source.source,
        notes=f"Copia del clasificador {source.year} ({timezone.localdate():%d-%m-%Y}).",
    )
    version.full_clean()
    accounts = list(source.accounts.order_by("code"))
    own = sum(1 for account in accounts if not account.is_official)
    summary = (
        f"Copia del clasificador {source.year}: {len(accounts)} cuentas "
        f"({len(accounts) - own} oficiales y {own} "
        + ("desagregación municipal)." if own == 1 else "desagregaciones municipales).")
    )
    with transaction.atomic(), audit_context(user=actor, reason=f"{reason} {summary}".strip()):
        version.save()
        new_ids: dict[str, int] = {}
        for parts in sorted(LEVEL_BY_PARTS):
            level = [a for a in accounts if len(a.code.split(".")) == parts]
            Account.objects.bulk_create(
                [
                    Account(
                        version=version,
                        code=a.code,
                        kind=a.kind,
                        level=a.level,
                        name=a.name,
                        parent_id=new_ids.get(parent_code(a.code) or ""),
                        is_official=a.is_official,
                        source=a.source,
                    )
                    for a in level
                ],
                batch_size=1000,
            )
            new_ids.update(
                Account.objects.filter(version=version, level=LEVEL_BY_PARTS[parts]).values_list(
                    "code", "pk"
                )
            )
    return version


def classifier_delete(*, actor, classifier: ClassifierVersion, reason: str = "") -> None:
    """Delete a classifier that no budget year uses, with its accounts (deepest first,
    since an account protects its children)."""
    _require(actor, "delete", classifier)
    _require(actor, "delete", Account)
    years = list(classifier.budgets.values_list("year", flat=True))
    if years:
        raise ValidationError(
            "No se puede eliminar: lo usa el presupuesto "
            + ", ".join(str(year) for year in sorted(years))
            + "."
        )
    try:
        with transaction.atomic(), audit_context(user=actor, reason=reason):
            for parts in sorted(LEVEL_BY_PARTS, reverse=True):
                Account.objects.filter(version=classifier, level=LEVEL_BY_PARTS[parts]).delete()
            core_services.record_delete(actor=actor, instance=classifier, reason=reason)
    except models.ProtectedError as exc:
        raise ValidationError(core_services.protected_message(exc)) from exc


def account_create(*, actor, account: Account, reason: str = "") -> Account:
    """A municipal desagregación: an asignación or subasignación below an existing account
    (kind, level and parent come from its code). New accounts are never official."""
    _require(actor, "add", Account)
    account.is_official = False
    account.full_clean()  # derives the level; the field errors come first
    if account.level not in MUNICIPAL_LEVELS:
        raise ValidationError(
            {
                "code": "Una desagregación municipal es una asignación o una subasignación "
                "(por ejemplo 215.22.04.901 o 215.22.04.001.901): los subtítulos y los "
                "ítems los fija el clasificador oficial."
            }
        )
    return core_services.record_create(actor=actor, instance=account, reason=reason)


def _carries_amounts(account: Account) -> bool:
    """Whether budget amounts, requests, execution or project links hang from the account:
    renumbering it would move them to another ítem, subtítulo or even kind, outside the
    modifications and their Concejo rule."""
    return any(
        model.objects.filter(account=account).exists()
        for model in (InitialAmount, ModificationLine, BudgetRequest, ExecutionRow, AccountProject)
    )


def account_update(*, actor, account: Account, reason: str = "") -> Account:
    """Official accounts keep their code (only the name and source change); a desagregación
    may be renumbered while it has no sub-accounts and nothing hangs from it (amounts,
    requests, execution, project links). No account changes classifier."""
    _require(actor, "change", account)
    previous = Account.objects.get(pk=account.pk)
    errors = {}
    if account.version_id != previous.version_id:
        errors["version"] = "Una cuenta no cambia de clasificador."
    account.is_official = previous.is_official
    if account.code != previous.code:
        if previous.is_official:
            errors["code"] = "El código de una cuenta del clasificador oficial no se cambia."
        elif previous.children.exists():
            errors["code"] = (
                "La cuenta tiene subcuentas: no se puede cambiar su código sin cambiar antes "
                "el de ellas."
            )
        elif _carries_amounts(previous):
            errors["code"] = (
                "La cuenta ya se usa (presupuesto inicial, solicitudes, modificaciones, "
                "ejecución o proyectos): cambiar su código trasladaría esos montos a otra "
                "cuenta. Cree una desagregación nueva y traspase los montos con una "
                "modificación presupuestaria."
            )
    if errors:
        raise ValidationError(errors)
    if not account.is_official:
        account.full_clean()
        if account.level not in MUNICIPAL_LEVELS:
            raise ValidationError(
                {"code": "Una desagregación municipal es una asignación o una subasignación."}
            )
    return core_services.record_update(actor=actor, instance=account, reason=reason)


def account_delete(*, actor, account: Account, reason: str = "") -> None:
    """Only the municipality's own desagregaciones are deleted, and only when nothing uses
    them (sub-accounts, budget amounts, modifications, execution)."""
    _require(actor, "delete", account)
    if account.is_official:
        raise ValidationError(
            "Las cuentas del clasificador oficial no se eliminan; solo las desagregaciones "
            "municipales."
        )
    core_services.record_delete(actor=actor, instance=account, reason=reason)


# --------------------------------------------------------------------------------------
# Modifications
# --------------------------------------------------------------------------------------


def next_modification_number(budget_year: BudgetYear) -> int:
    """The next free modification number of the year."""
    highest = Modification.objects.filter(budget_year=budget_year).aggregate(n=Max("number"))["n"]
    return (highest or 0) + 1


def _needs_agreement(modification: Modification) -> bool:
    if modification.date is None:
        return False  # full_clean says the date is missing
    lines = rules.modification_lines(modification) if modification.pk else []
    return bool(rules.agreement_reasons(lines, AgreementRule.in_force(modification.date)))


def _refresh_agreement_flag(modification_id: int) -> None:
    """`requires_agreement` is derived from the lines and the rule in force; it follows
    each line change (the line's own change is what the log records)."""
    modification = Modification.objects.get(pk=modification_id)
    flag = _needs_agreement(modification)
    if flag != modification.requires_agreement:
        Modification.objects.filter(pk=modification_id).update(requires_agreement=flag)


def _check_open_year(budget_year: BudgetYear) -> None:
    if budget_year.status == BudgetYear.Status.CLOSED:
        raise ValidationError(
            {"budget_year": f"El presupuesto {budget_year.year} está cerrado: no admite "
             "modificaciones."}
        )  # fmt: skip


def _locked_draft(modification_id: int, what: str = "") -> Modification:
    """The modification, locked, if it is still «en preparación»; else a Spanish refusal."""
    modification = (
        Modification.objects.select_for_update()
        .select_related("budget_year")
        .get(pk=modification_id)
    )
    if modification.status != Modification.Status.DRAFT:
        state = modification.get_status_display().lower()
        raise ValidationError(
            f"La modificación N° {modification.number} de {modification.budget_year.year} "
            f"está {state}: {what or 'ya no se modifica'}."
        )
    return modification


def modification_create(*, actor, modification: Modification, reason: str = "") -> Modification:
    """A new modification «en preparación»; without a number it takes the next free one
    of its year."""
    _require(actor, "add", Modification)
    modification.status = Modification.Status.DRAFT
    modification.approved_on = None
    if modification.budget_year_id:
        _check_open_year(modification.budget_year)
        if not modification.number:
            modification.number = next_modification_number(modification.budget_year)
    modification.requires_agreement = _needs_agreement(modification)
    with transaction.atomic():
        return core_services.record_create(actor=actor, instance=modification, reason=reason)


def modification_update(*, actor, modification: Modification, reason: str = "") -> Modification:
    """Change a modification «en preparación» (number, date, fundamento, agreement, decree);
    an approved or rejected one is read-only."""
    _require(actor, "change", modification)
    with transaction.atomic():
        stored = _locked_draft(modification.pk)
        if modification.budget_year_id != stored.budget_year_id:
            raise ValidationError({"budget_year": "Una modificación no cambia de presupuesto."})
        _check_open_year(stored.budget_year)
        modification.status = stored.status
        modification.approved_on = stored.approved_on
        modification.requires_agreement = _needs_agreement(modification)
        return core_services.record_update(actor=actor, instance=modification, reason=reason)


def modification_delete(*, actor, modification: Modification, reason: str = "") -> None:
    """Only a modification «en preparación» is deleted (with its lines)."""
    _require(actor, "delete", modification)
    with transaction.atomic():
        _locked_draft(modification.pk, "no se puede eliminar")
        core_services.record_delete(actor=actor, instance=modification, reason=reason)


def modification_reject(*, actor, modification: Modification, reason: str) -> Modification:
    """Reject a modification «en preparación»; the reason stays in its history."""
    _require(actor, "change", modification)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Indique el motivo del rechazo."})
    with transaction.atomic():
        modification = _locked_draft(modification.pk, "solo se rechaza una en preparación")
        modification.status = Modification.Status.REJECTED
        core_services.record_update(actor=actor, instance=modification, reason=reason)
    return modification


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
        _check_open_year(modification.budget_year)
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


def modification_line_create(
    *, actor, line: ModificationLine, reason: str = ""
) -> ModificationLine:
    """Add a line to a modification «en preparación»."""
    _require(actor, "add", ModificationLine)
    if not line.modification_id:
        raise ValidationError({"modification": "Indique la modificación."})
    with transaction.atomic():
        _locked_draft(line.modification_id, "no se le agregan líneas")
        core_services.record_create(actor=actor, instance=line, reason=reason)
        _refresh_agreement_flag(line.modification_id)
    return line


def modification_line_update(
    *, actor, line: ModificationLine, reason: str = ""
) -> ModificationLine:
    """Change a line of a modification «en preparación» (it stays in its modification)."""
    _require(actor, "change", line)
    with transaction.atomic():
        stored = ModificationLine.objects.get(pk=line.pk)
        _locked_draft(stored.modification_id, "sus líneas ya no se modifican")
        if line.modification_id != stored.modification_id:
            raise ValidationError({"modification": "Una línea no cambia de modificación."})
        core_services.record_update(actor=actor, instance=line, reason=reason)
        _refresh_agreement_flag(line.modification_id)
    return line


def modification_line_delete(*, actor, line: ModificationLine, reason: str = "") -> None:
    """Remove a line of a modification «en preparación»."""
    _require(actor, "delete", line)
    modification_id = line.modification_id
    with transaction.atomic():
        _locked_draft(modification_id, "sus líneas ya no se eliminan")
        core_services.record_delete(actor=actor, instance=line, reason=reason)
        _refresh_agreement_flag(modification_id)
