"""Reads that span tables: what needs a user's attention on the home page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from secpla.core.models import Agreement, Municipality, User, UTMValue
from secpla.core.money import MONTHS_ES
from secpla.core.permissions import can, scope_for


@dataclass(frozen=True)
class AttentionItem:
    level: str  # "danger", "warning", "info"
    text: str
    url: str


# Other modules add their own: callables (user, today) -> list[AttentionItem].
ATTENTION_PROVIDERS: list = []


def register_attention(provider) -> None:
    if provider not in ATTENTION_PROVIDERS:
        ATTENTION_PROVIDERS.append(provider)


def attention_items(user, today: dt.date | None = None) -> list[AttentionItem]:
    """Concrete, actionable items from the records the user can see."""
    today = today or timezone.localdate()
    items: list[AttentionItem] = []

    if can(user, "change", Municipality) and Municipality.current() is None:
        items.append(
            AttentionItem(
                "danger",
                "La municipalidad aún no está configurada.",
                reverse("core:municipality_edit"),
            )
        )

    if (
        scope_for(user, UTMValue, "view") is not None
        and not UTMValue.objects.filter(year=today.year, month=today.month).exists()
    ):
        items.append(
            AttentionItem(
                "warning",
                f"Falta el valor UTM de {MONTHS_ES[today.month - 1]} de {today.year}: "
                "las conversiones de ese mes no se pueden calcular.",
                reverse("core:utmvalue_create")
                if can(user, "add", UTMValue)
                else reverse("core:utmvalue_list"),
            )
        )

    agreements = Agreement.objects.for_user(user, "view").select_related("organisation")
    for agreement in agreements.filter(
        status=Agreement.Status.ACTIVE,
        end_date__gte=today,
        end_date__lte=today + dt.timedelta(days=60),
    ).order_by("end_date")[:10]:
        days = agreement.days_to_end(today)
        items.append(
            AttentionItem(
                "warning" if days > 15 else "danger",
                f"El convenio «{agreement.title}» con {agreement.organisation} vence el "
                f"{agreement.end_date:%d-%m-%Y} ({days} días).",
                agreement.get_absolute_url(),
            )
        )
    overdue = agreements.filter(status=Agreement.Status.ACTIVE, end_date__lt=today).count()
    if overdue:
        items.append(
            AttentionItem(
                "danger",
                f"{overdue} convenio(s) figuran vigentes con fecha de término pasada: "
                "actualice su estado.",
                reverse("core:agreement_list") + f"?status=vigente&ends_before={today:%Y-%m-%d}",
            )
        )

    if can(user, "change", User):
        incomplete = User.objects.filter(is_active=True, role__isnull=True).count()
        if incomplete:
            items.append(
                AttentionItem(
                    "info",
                    f"{incomplete} usuario(s) activos sin rol asignado.",
                    reverse("core:user_list") + "?without_role=true&is_active=true",
                )
            )
    for provider in ATTENTION_PROVIDERS:
        items.extend(provider(user, today))
    return items
