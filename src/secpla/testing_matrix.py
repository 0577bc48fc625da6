"""What the permission matrix tests share: the roles, the `Case` of one URL and the
helpers that write the cases of a CRUD screen or an API endpoint.

Each module lists its cases in `<app>/tests/matrix.py` (CASES plus a `populate(world)`
that creates the records they visit); core/tests/test_permission_matrix.py runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = [
    "director_secpla", "estudios", "control_presupuesto", "licitaciones", "asesor_urbanista",
    "enlace_direccion", "alcaldia", "administrador_municipal", "concejal", "admin_sistema",
]  # fmt: skip
EVERYONE = frozenset(ROLES) | {"sin_rol"}
ALL = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
SECPLA = frozenset({"director_secpla", "estudios", "control_presupuesto", "licitaciones",
                    "asesor_urbanista"})  # fmt: skip
ADMIN = frozenset({"admin_sistema"})
USER_READERS = frozenset({"admin_sistema", "director_secpla", "alcaldia",
                          "administrador_municipal"})  # fmt: skip
LOG_READERS = frozenset({"admin_sistema", "director_secpla"})
CONTACT_READERS = ALL - {"concejal"}
LINK_WRITERS = SECPLA | ADMIN
LINK_DELETERS = frozenset({"director_secpla", "admin_sistema"})
AGREEMENT_WRITERS_ANY = LINK_WRITERS  # any directorate
AGREEMENT_WRITERS_OWN = LINK_WRITERS | {"enlace_direccion"}  # enlace: DIDECO's only

# Names outside the product's own pages.
IGNORED_PREFIXES = ("admin:",)


@dataclass
class Case:
    """One URL: who gets 200 (`ok`), who can at least see the record (`visible`)."""

    name: str
    kwargs: object = None  # callable(world) -> dict, or None
    ok: frozenset[str] = ALL
    visible: frozenset[str] | None = None  # None: a list/create page (denied -> 403)
    anonymous: int = 302
    ok_status: int = 200
    query: str = ""
    extra_status: dict[str, int] = field(default_factory=dict)

    def expected(self, role: str) -> int:
        if role in self.extra_status:
            return self.extra_status[role]
        if role in self.ok:
            return self.ok_status
        if self.visible is None:
            return 403
        return 403 if role in self.visible else 404


def pk(attr):
    return lambda w: {"pk": getattr(w, attr).pk}


def crud_cases(prefix, obj_attr, *, view, add, change, delete, visible_obj=None):
    """list/create/detail/edit/delete of one model; `prefix` is "app:model" (or just the
    model, for core)."""
    prefix = prefix if ":" in prefix else f"core:{prefix}"
    seen = visible_obj if visible_obj is not None else view
    return [
        Case(f"{prefix}_list", ok=view),
        Case(f"{prefix}_create", ok=add),
        Case(f"{prefix}_detail", pk(obj_attr), ok=seen, visible=seen),
        Case(f"{prefix}_edit", pk(obj_attr), ok=change & seen, visible=seen),
        Case(f"{prefix}_delete", pk(obj_attr), ok=delete & seen, visible=seen),
    ]


def api_cases(basename, obj_attr, *, view, lookup="pk", visible_obj=None):
    seen = visible_obj if visible_obj is not None else view
    return [
        Case(f"api:{basename}-list", ok=view, anonymous=401),
        Case(f"api:{basename}-detail", lambda w, a=obj_attr, lk=lookup: {lk: w.lookup(a, lk)},
             ok=seen, visible=seen, anonymous=401),
    ]  # fmt: skip


def module_matrices() -> list:
    """Each installed module's `<app>.tests.matrix` (CASES, populate, AUDITED,
    audit_factories), in INSTALLED_APPS order; core's own cases live in its test."""
    import importlib

    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("secpla.") or config.label == "core":
            continue
        try:
            found.append(importlib.import_module(f"{config.name}.tests.matrix"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tests.matrix" and exc.name != f"{config.name}.tests":
                raise
    return found
