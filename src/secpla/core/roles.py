"""The roles of the architecture sketch and the grants each one starts with.

Roles are data: after each `migrate`, a missing role is created with its grants.
Grants come in named sets (this module's is "core"; each module registers its own with
`register_grant_set`). A set is applied once: existing roles receive a new module's
grants the first time it is migrated, and nothing is re-added afterwards, so what the
administrator changes stays changed.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from secpla.core.audit import audit_context

ROLES: dict[str, tuple[str, str]] = {
    "director_secpla": ("Director(a) SECPLA", "Ve todo, aprueba y firma informes."),
    "estudios": (
        "Departamento de Estudios",
        "PLADECO, proyectos y postulaciones, análisis territorial.",
    ),
    "control_presupuesto": (
        "Departamento de Control y Presupuesto",
        "Presupuesto y control de gestión.",
    ),
    "licitaciones": ("Departamento de Licitaciones", "Bases, calendarios y evaluación."),
    "asesor_urbanista": ("Asesor(a) Urbanista", "Plan Regulador y revisiones intercomunales."),
    "enlace_direccion": (
        "Enlace de Dirección",
        "Informa el avance de su dirección y responde lo que se le deriva.",
    ),
    "alcaldia": ("Alcalde(sa)", "Lee todo; recibe informes de control de gestión."),
    "administrador_municipal": (
        "Administrador(a) Municipal",
        "Lee todo; recibe informes; encarga tareas.",
    ),
    "concejal": ("Concejal(a)", "Lee informes y material para el Concejo."),
    "admin_sistema": ("Administrador(a) del sistema", "Usuarios, roles y datos de referencia."),
}

ALL = "all"
OWN = "directorate"
READ = "view"
WRITE = "view add change"
FULL = "view add change delete"

REFERENCE = [
    "core.Municipality",
    "core.Directorate",
    "core.Department",
    "core.UTMValue",
    "core.RegionalHoliday",
    "core.LocalHoliday",
]
LINKS = ["core.Organisation", "core.Contact", "core.Agreement"]
SECPLA_STAFF = [
    "director_secpla",
    "estudios",
    "control_presupuesto",
    "licitaciones",
    "asesor_urbanista",
]


def grant_list(models: list[str], actions: str, scope: str = ALL) -> list[tuple[str, str, str]]:
    return [(model, action, scope) for model in models for action in actions.split()]


# role -> [(app_label.ModelName, action, scope)]
ROLE_GRANTS: dict[str, list[tuple[str, str, str]]] = {
    "admin_sistema": [
        *grant_list(["core.Municipality"], "view change"),
        *grant_list(
            [
                "core.Directorate",
                "core.Department",
                "core.User",
                "core.Role",
                "core.RoleGrant",
                "core.UTMValue",
                "core.RegionalHoliday",
                "core.LocalHoliday",
                *LINKS,
            ],
            FULL,
        ),
        *grant_list(["core.ChangeLogEntry"], READ),
    ],
    "director_secpla": [
        *grant_list([*REFERENCE, "core.User", "core.Role", "core.ChangeLogEntry"], READ),
        *grant_list(LINKS, FULL),
    ],
    "alcaldia": grant_list([*REFERENCE, *LINKS, "core.User"], READ),
    "administrador_municipal": grant_list([*REFERENCE, *LINKS, "core.User"], READ),
    "concejal": grant_list([*REFERENCE, "core.Organisation", "core.Agreement"], READ),
    "enlace_direccion": [
        *grant_list([*REFERENCE, "core.Organisation", "core.Contact"], READ),
        *grant_list(["core.Agreement"], WRITE, OWN),
    ],
}
for _role in ("estudios", "control_presupuesto", "licitaciones", "asesor_urbanista"):
    ROLE_GRANTS[_role] = [*grant_list(REFERENCE, READ), *grant_list(LINKS, WRITE)]


# name -> {role code -> [(app_label.ModelName, action, scope)]}
GRANT_SETS: dict[str, dict[str, list[tuple[str, str, str]]]] = {"core": ROLE_GRANTS}


def register_grant_set(name: str, grants: dict[str, list[tuple[str, str, str]]]) -> None:
    """A module's initial grants, applied once to every role (see ensure_roles)."""
    GRANT_SETS[name] = grants


def permission_for(model_label: str, action: str) -> Permission:
    app_label, model_name = model_label.split(".")
    content_type = ContentType.objects.get_by_natural_key(app_label, model_name.lower())
    return Permission.objects.get(
        content_type=content_type, codename=f"{action}_{model_name.lower()}"
    )


def _apply(role, grants: list[tuple[str, str, str]]) -> None:
    from secpla.core.models import RoleGrant

    for model_label, action, scope in grants:
        RoleGrant.objects.get_or_create(
            role=role, permission=permission_for(model_label, action), defaults={"scope": scope}
        )


def ensure_roles(**kwargs) -> list[str]:
    """Create the roles that do not exist yet with every grant set, and apply each grant
    set not applied before to the existing roles. Returns the codes of created roles."""
    from secpla.core.models import AppliedGrantSet, Role

    created = []
    with transaction.atomic(), audit_context(reason="Roles iniciales", source="sistema"):
        applied = set(AppliedGrantSet.objects.values_list("name", flat=True))
        for code, (name, description) in ROLES.items():
            role, was_created = Role.objects.get_or_create(
                code=code, defaults={"name": name, "description": description}
            )
            if was_created:
                created.append(code)
            for set_name, grants in GRANT_SETS.items():
                if was_created or set_name not in applied:
                    _apply(role, grants.get(code, []))
        for set_name in GRANT_SETS.keys() - applied:
            AppliedGrantSet.objects.create(name=set_name)
    return created
