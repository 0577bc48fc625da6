"""Budget lines ↔ investment projects: linking the accounts of subtítulos 31 and 33 to the
projects whose BIP code their name carries.

Municipalities open an asignación (or a desagregación below one) per investment initiative
and name it with the initiative's BIP code and name («Mejoramiento Plaza de Armas, BIP
40091037-4»); see ../shared/domain/chile.md §2.1. The code is `NNNNNNNN-D` (decision 0009);
names often drop the check digit, so «40091037» matches too, when only one project has that
number. A check digit that is written must match.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from secpla.budget.models import LINKABLE_PREFIXES, Account, AccountProject, BudgetYear
from secpla.core import services as core_services
from secpla.core.models import Scope
from secpla.core.permissions import scope_for
from secpla.projects.models import Project

# Eight digits not glued to other digits, optionally followed by "-D" (spaces allowed).
BIP_IN_TEXT = re.compile(r"(?<!\d)(\d{8})(?:\s*-\s*(\d))?(?!\d)")
REASON = "Vínculo por el código BIP del nombre de la cuenta"


@dataclass
class BipMatch:
    """One BIP code found in an account's name, and what came of it."""

    account: Account
    written: str  # the code as the name carries it
    project: Project | None = None
    candidates: list[Project] = field(default_factory=list)  # when ambiguous


@dataclass
class BipLinkResult:
    budget_year: BudgetYear
    accounts: int = 0  # accounts of sub. 31/33 in the year's classifier
    created: list[BipMatch] = field(default_factory=list)
    already: list[BipMatch] = field(default_factory=list)
    unknown: list[BipMatch] = field(default_factory=list)
    ambiguous: list[BipMatch] = field(default_factory=list)

    @property
    def found(self) -> int:
        return len(self.created) + len(self.already) + len(self.unknown) + len(self.ambiguous)


def bip_codes_in(text: str) -> list[tuple[str, str | None]]:
    """('40091037', '4') or ('40091037', None) for each BIP code in `text`."""
    return [(number, check or None) for number, check in BIP_IN_TEXT.findall(text or "")]


def linkable_accounts(budget_year: BudgetYear):
    prefixes = Q()
    for prefix in LINKABLE_PREFIXES:
        prefixes |= Q(code__startswith=prefix)
    return Account.objects.filter(prefixes, version_id=budget_year.classifier_id).order_by("code")


def link_by_bip(*, actor, budget_year: BudgetYear) -> BipLinkResult:
    """Link every account of sub. 31/33 of the year whose name carries a project's BIP code
    (method «bip»). Idempotent: an existing link is reported as such, never duplicated.
    All the new links are saved together, each with its change-log entry."""
    scope = scope_for(actor, AccountProject, "add")
    if scope is None:
        raise PermissionDenied("No tiene permiso para vincular cuentas con proyectos.")
    projects = Project.objects.exclude(bip_code=None).exclude(bip_code="")
    if scope != Scope.ALL:  # a directorate's role links its own projects only
        projects = projects.filter(directorate_id=actor.directorate_id)
    by_number: dict[str, list[Project]] = defaultdict(list)
    for project in projects.order_by("code"):
        by_number[project.bip_code[:8]].append(project)

    result = BipLinkResult(budget_year)
    accounts = list(linkable_accounts(budget_year))
    result.accounts = len(accounts)
    existing = set(
        AccountProject.objects.filter(account__in=accounts).values_list("account_id", "project_id")
    )
    with transaction.atomic():
        for account in accounts:
            for number, check in bip_codes_in(account.name):
                written = f"{number}-{check}" if check else number
                match = BipMatch(account, written)
                candidates = by_number.get(number, [])
                if check:
                    candidates = [p for p in candidates if p.bip_code == written]
                if not candidates:
                    result.unknown.append(match)
                    continue
                if len(candidates) > 1:
                    match.candidates = candidates
                    result.ambiguous.append(match)
                    continue
                match.project = candidates[0]
                if (account.pk, match.project.pk) in existing:
                    result.already.append(match)
                    continue
                core_services.record_create(
                    actor=actor,
                    instance=AccountProject(
                        account=account, project=match.project, method=AccountProject.Method.BIP
                    ),
                    reason=REASON,
                )
                existing.add((account.pk, match.project.pk))
                result.created.append(match)
    return result
