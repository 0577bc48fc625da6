"""The roles of the architecture sketch and the grants each one starts with.

Roles are data: after each `migrate`, a missing role is created with these grants.
An existing role is never touched, so what the administrator changes stays changed.
Later modules append their grants to ROLE_GRANTS.
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


def _grants(models: list[str], actions: str, scope: str = ALL) -> list[tuple[str, str, str]]:
    return [(model, action, scope) for model in models for action in actions.split()]


# role -> [(app_label.ModelName, action, scope)]
ROLE_GRANTS: dict[str, list[tuple[str, str, str]]] = {
    "admin_sistema": [
        *_grants(["core.Municipality"], "view change"),
        *_grants(
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
        *_grants(["core.ChangeLogEntry"], READ),
    ],
    "director_secpla": [
        *_grants([*REFERENCE, "core.User", "core.Role", "core.ChangeLogEntry"], READ),
        *_grants(LINKS, FULL),
    ],
    "alcaldia": _grants([*REFERENCE, *LINKS, "core.User"], READ),
    "administrador_municipal": _grants([*REFERENCE, *LINKS, "core.User"], READ),
    "concejal": _grants([*REFERENCE, "core.Organisation", "core.Agreement"], READ),
    "enlace_direccion": [
        *_grants([*REFERENCE, "core.Organisation", "core.Contact"], READ),
        *_grants(["core.Agreement"], WRITE, OWN),
    ],
}
for _role in ("estudios", "control_presupuesto", "licitaciones", "asesor_urbanista"):
    ROLE_GRANTS[_role] = [*_grants(REFERENCE, READ), *_grants(LINKS, WRITE)]


def permission_for(model_label: str, action: str) -> Permission:
    app_label, model_name = model_label.split(".")
    content_type = ContentType.objects.get_by_natural_key(app_label, model_name.lower())
    return Permission.objects.get(
        content_type=content_type, codename=f"{action}_{model_name.lower()}"
    )


def ensure_roles(**kwargs) -> list[str]:
    """Create the roles that do not exist yet, with their grants. Returns created codes."""
    from secpla.core.models import Role, RoleGrant

    created = []
    with transaction.atomic(), audit_context(reason="Roles iniciales", source="sistema"):
        for code, (name, description) in ROLES.items():
            role, was_created = Role.objects.get_or_create(
                code=code, defaults={"name": name, "description": description}
            )
            if not was_created:
                continue
            created.append(code)
            for model_label, action, scope in ROLE_GRANTS.get(code, []):
                RoleGrant.objects.create(
                    role=role, permission=permission_for(model_label, action), scope=scope
                )
    return created
