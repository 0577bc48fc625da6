"""Test base: named personas for the roles of the architecture sketch.

Every later module's tests use these people, so a test reads like the rule it checks:
`client_as(personas.enlace_dideco)` rather than a user built on the spot.
"""

from __future__ import annotations

from dataclasses import dataclass

from secpla.core.audit import audit_context
from secpla.core.models import Comuna, Department, Directorate, Municipality, Role, User

PASSWORD = "clave-de-prueba-2026"  # noqa: S105 (test personas only)


@dataclass
class Personas:
    director: User  # Director(a) SECPLA: sees everything
    estudios: User  # Departamento de Estudios
    presupuesto: User  # Departamento de Control y Presupuesto
    licitaciones: User  # Departamento de Licitaciones
    urbanista: User  # Asesor(a) Urbanista
    enlace_dideco: User  # Enlace de Dirección, DIDECO
    enlace_dom: User  # Enlace de Dirección, DOM (another directorate)
    alcaldesa: User  # Alcalde(sa)
    administrador_municipal: User
    concejala: User  # Concejal(a): read-only
    admin: User  # Administrador(a) del sistema
    sin_rol: User  # an account with no role yet

    def by_role(self) -> dict[str, User]:
        """One persona per role code (plus 'sin_rol'), for matrix tests."""
        return {
            "director_secpla": self.director,
            "estudios": self.estudios,
            "control_presupuesto": self.presupuesto,
            "licitaciones": self.licitaciones,
            "asesor_urbanista": self.urbanista,
            "enlace_direccion": self.enlace_dideco,
            "alcaldia": self.alcaldesa,
            "administrador_municipal": self.administrador_municipal,
            "concejal": self.concejala,
            "admin_sistema": self.admin,
            "sin_rol": self.sin_rol,
        }


def make_municipality() -> Municipality:
    with audit_context(source="test"):
        return Municipality.objects.get_or_create(
            pk=1,
            defaults={
                "name": "Municipalidad de Bulnes (prueba)",
                "comuna": Comuna.objects.get(cut="16102"),
                "is_demo": True,
            },
        )[0]


def make_personas() -> Personas:
    with audit_context(source="test"):
        secpla = Directorate.objects.get_or_create(
            code="SECPLA", defaults={"name": "Secretaría Comunal de Planificación"}
        )[0]
        dideco = Directorate.objects.get_or_create(
            code="DIDECO", defaults={"name": "Dirección de Desarrollo Comunitario"}
        )[0]
        dom = Directorate.objects.get_or_create(
            code="DOM", defaults={"name": "Dirección de Obras Municipales"}
        )[0]
        estudios = Department.objects.get_or_create(
            directorate=secpla, code="EST", defaults={"name": "Departamento de Estudios"}
        )[0]

        def person(username, role_code, directorate=None, department=None, first=""):
            user = User(
                username=username,
                first_name=first or username.capitalize(),
                last_name="Prueba",
                role=Role.objects.get(code=role_code) if role_code else None,
                directorate=directorate,
                department=department,
            )
            user.set_password(PASSWORD)
            user.save()
            return user

        return Personas(
            director=person("directora", "director_secpla", secpla, first="Carolina"),
            estudios=person("estudios", "estudios", secpla, estudios),
            presupuesto=person("presupuesto", "control_presupuesto", secpla),
            licitaciones=person("licitaciones", "licitaciones", secpla),
            urbanista=person("urbanista", "asesor_urbanista", secpla),
            enlace_dideco=person("enlace.dideco", "enlace_direccion", dideco, first="Javier"),
            enlace_dom=person("enlace.dom", "enlace_direccion", dom),
            alcaldesa=person("alcaldesa", "alcaldia"),
            administrador_municipal=person("adm.municipal", "administrador_municipal"),
            concejala=person("concejala", "concejal", first="Sofía"),
            admin=person("admin.sistema", "admin_sistema", secpla, first="Tomás"),
            sin_rol=person("sin.rol", None),
        )
