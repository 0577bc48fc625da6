"""The module navigation: only what exists, and only what the user may see.

Each module adds its entries to NAVIGATION (label, URL name, model whose `view`
permission shows the entry). A section with no visible entry is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.urls import reverse

from secpla.core.permissions import scope_for


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    model: str  # "app_label.ModelName" whose view permission shows the item
    icon: str = "circle"


@dataclass(frozen=True)
class NavSection:
    label: str
    items: tuple[NavItem, ...]


NAVIGATION: list[NavSection] = [
    NavSection(
        "Vinculación",
        (
            NavItem("Organizaciones", "core:organisation_list", "core.Organisation", "building"),
            NavItem("Convenios", "core:agreement_list", "core.Agreement", "file-earmark-text"),
        ),
    ),
    NavSection(
        "Municipalidad",
        (
            NavItem("Perfil municipal", "core:municipality", "core.Municipality", "bank"),
            NavItem("Direcciones", "core:directorate_list", "core.Directorate", "diagram-3"),
            NavItem("Departamentos", "core:department_list", "core.Department", "diagram-2"),
            NavItem("Usuarios", "core:user_list", "core.User", "people"),
            NavItem("Roles y permisos", "core:role_list", "core.Role", "shield-lock"),
        ),
    ),
    NavSection(
        "Configuración",
        (
            NavItem("Valores UTM", "core:utmvalue_list", "core.UTMValue", "currency-dollar"),
            NavItem(
                "Feriados regionales",
                "core:regionalholiday_list",
                "core.RegionalHoliday",
                "calendar-event",
            ),
            NavItem(
                "Feriados agregados", "core:localholiday_list", "core.LocalHoliday", "calendar-plus"
            ),
            NavItem("Calendario hábil", "core:calendar", "core.LocalHoliday", "calendar-check"),
            NavItem(
                "Registro de cambios", "core:changelog_list", "core.ChangeLogEntry", "clock-history"
            ),
            NavItem("API y documentación", "api-docs", "core.Directorate", "code-slash"),
        ),
    ),
]


def register_section(section: NavSection, position: int | None = None) -> None:
    """A module's menu section; `position` 0 puts it first."""
    if any(existing.label == section.label for existing in NAVIGATION):
        return
    NAVIGATION.insert(len(NAVIGATION) if position is None else position, section)


def navigation_for(user) -> list[dict]:
    sections = []
    for section in NAVIGATION:
        items = [
            {"label": item.label, "url": reverse(item.url_name), "icon": item.icon}
            for item in section.items
            if scope_for(user, apps.get_model(item.model), "view") is not None
        ]
        if items:
            sections.append({"label": section.label, "items": items})
    return sections
