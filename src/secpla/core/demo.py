"""The demo municipality: Bulnes (CUT 16102, Región de Ñuble).

Its geography (boundary, CUT codes) is real public data; every record created here
(people, directorates' heads, organisations, agreements) is synthetic, and the
municipality is flagged `is_demo` so every screen says so. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from secpla.core.audit import audit_context
from secpla.core.models import (
    Agreement,
    Comuna,
    Contact,
    Department,
    Directorate,
    Municipality,
    Organisation,
    Role,
    User,
)
from secpla.core.reference import BOUNDARIES_SOURCE, comuna_boundary

DEMO_CUT = "16102"
DEMO_PASSWORD = "demo.secpla.2026"  # noqa: S105 (demo only; refused when DEBUG is off)

DIRECTORATES = [
    ("SECPLA", "Secretaría Comunal de Planificación"),
    ("DIDECO", "Dirección de Desarrollo Comunitario"),
    ("DOM", "Dirección de Obras Municipales"),
    ("DAF", "Dirección de Administración y Finanzas"),
    ("DIMAO", "Dirección de Medio Ambiente, Aseo y Ornato"),
    ("DTT", "Dirección de Tránsito y Transporte Público"),
    ("SECMU", "Secretaría Municipal"),
    ("DAJ", "Dirección de Asesoría Jurídica"),
    ("DCONTROL", "Dirección de Control"),
]
SECPLA_DEPARTMENTS = [
    ("EST", "Departamento de Estudios"),
    ("CPR", "Departamento de Control y Presupuesto"),
    ("LIC", "Departamento de Licitaciones"),
    ("AUR", "Asesoría Urbana"),
]

# username, first name, last name, role code, directorate, department, position
USERS = [
    ("director", "Carolina", "Muñoz Demo", "director_secpla", "SECPLA", None, "Directora SECPLA"),
    ("estudios", "Felipe", "Sandoval Demo", "estudios", "SECPLA", "EST", "Profesional de Estudios"),
    (
        "presupuesto",
        "Marcela",
        "Fuentes Demo",
        "control_presupuesto",
        "SECPLA",
        "CPR",
        "Analista de presupuesto",
    ),
    (
        "licitaciones",
        "Rodrigo",
        "Parra Demo",
        "licitaciones",
        "SECPLA",
        "LIC",
        "Encargado de licitaciones",
    ),
    (
        "urbanista",
        "Daniela",
        "Contreras Demo",
        "asesor_urbanista",
        "SECPLA",
        "AUR",
        "Asesora urbanista",
    ),
    ("enlace.dideco", "Javier", "Rojas Demo", "enlace_direccion", "DIDECO", None, "Enlace DIDECO"),
    ("alcaldia", "Patricia", "Vergara Demo", "alcaldia", None, None, "Alcaldesa"),
    (
        "administrador",
        "Andrés",
        "Lagos Demo",
        "administrador_municipal",
        None,
        None,
        "Administrador municipal",
    ),
    ("concejal", "Sofía", "Riquelme Demo", "concejal", None, None, "Concejala"),
    ("admin", "Tomás", "Valdés Demo", "admin_sistema", "SECPLA", None, "Administrador del sistema"),
]


def _organisations():
    """Public services (no RUT given: we do not invent theirs) and synthetic private ones."""
    return [
        dict(name="Gobierno Regional de Ñuble", kind=Organisation.Kind.PUBLIC, rut=""),
        dict(name="SEREMI de Vivienda y Urbanismo de Ñuble", kind=Organisation.Kind.PUBLIC, rut=""),
        dict(
            name="Subsecretaría de Desarrollo Regional y Administrativo (SUBDERE)",
            kind=Organisation.Kind.PUBLIC,
            rut="",
        ),
        dict(
            name="Cooperativa Campesina Diguillín (demo)",
            kind=Organisation.Kind.PRIVATE,
            rut="76.123.456-0",
        ),
        dict(
            name="Junta de Vecinos Villa Los Álamos (demo)",
            kind=Organisation.Kind.COMMUNITY,
            rut="65.432.100-0",
        ),
        dict(
            name="Universidad del Sur de Ñuble (demo)",
            kind=Organisation.Kind.ACADEMIC,
            rut="71.234.500-4",
        ),
    ]


def load_demo(today: dt.date | None = None) -> dict[str, int]:
    """Create the demo municipality if it is not there; never update what exists."""
    today = today or timezone.localdate()
    counts = {"created": 0}

    def make(model, lookup: dict, defaults: dict | None = None):
        obj, created = model.objects.get_or_create(**lookup, defaults=defaults or {})
        counts["created"] += int(created)
        return obj

    with (
        transaction.atomic(),
        audit_context(reason="Carga de la municipalidad de demostración", source="demo"),
    ):
        if Municipality.current() is None:
            comuna = Comuna.objects.get(cut=DEMO_CUT)
            Municipality.objects.create(
                pk=1,
                name="Ilustre Municipalidad de Bulnes (demostración)",
                comuna=comuna,
                is_demo=True,
                boundary=comuna_boundary(DEMO_CUT),
                boundary_source=BOUNDARIES_SOURCE,
            )
            counts["created"] += 1
        directorates = {
            code: make(Directorate, {"code": code}, {"name": name}) for code, name in DIRECTORATES
        }
        departments = {
            code: make(
                Department, {"directorate": directorates["SECPLA"], "code": code}, {"name": name}
            )
            for code, name in SECPLA_DEPARTMENTS
        }
        for username, first, last, role, directorate, department, position in USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = User(
                username=username,
                first_name=first,
                last_name=last,
                email=f"{username}@demo.invalid",
                role=Role.objects.get(code=role),
                directorate=directorates.get(directorate),
                department=departments.get(department),
                position=position,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            counts["created"] += 1
        orgs = {o["name"]: make(Organisation, {"name": o["name"]}, o) for o in _organisations()}
        gore = orgs["Gobierno Regional de Ñuble"]
        make(
            Contact,
            {"organisation": gore, "name": "Contacto de ejemplo División de Planificación"},
            {"position": "Analista (ficticio)", "email": "planificacion@demo.invalid"},
        )
        agreements = [
            dict(
                organisation=gore,
                title="Convenio de transferencia FNDR: Plaza de Armas (demo)",
                kind=Agreement.Kind.TRANSFER,
                status=Agreement.Status.ACTIVE,
                directorate=directorates["SECPLA"],
                start_date=today - dt.timedelta(days=300),
                end_date=today + dt.timedelta(days=40),
                amount=245_000_000,
                decree="D.A. 1234 (demo)",
            ),
            dict(
                organisation=orgs["Universidad del Sur de Ñuble (demo)"],
                title="Convenio de colaboración para prácticas profesionales (demo)",
                kind=Agreement.Kind.COLLABORATION,
                status=Agreement.Status.ACTIVE,
                directorate=directorates["SECPLA"],
                start_date=today - dt.timedelta(days=500),
                end_date=today + dt.timedelta(days=400),
            ),
            dict(
                organisation=orgs["Junta de Vecinos Villa Los Álamos (demo)"],
                title="Comodato de sede vecinal (demo)",
                kind=Agreement.Kind.LOAN,
                status=Agreement.Status.ACTIVE,
                directorate=directorates["DIDECO"],
                start_date=today - dt.timedelta(days=700),
                end_date=today + dt.timedelta(days=20),
            ),
            dict(
                organisation=orgs["Cooperativa Campesina Diguillín (demo)"],
                title="Convenio de apoyo a ferias campesinas (demo)",
                kind=Agreement.Kind.COLLABORATION,
                status=Agreement.Status.DRAFT,
                directorate=directorates["DIDECO"],
            ),
        ]
        for data in agreements:
            make(Agreement, {"title": data.pop("title")}, data)

        # The modules' demo data, after core's directorates and people exist.
        from secpla.planning import demo as planning_demo

        planning_demo.load(today=today)

        from secpla.projects import demo as projects_demo

        projects_demo.load(today=today)

        from secpla.budget import demo as budget_demo

        budget_demo.load()  # after the projects: its investment lines carry their BIP codes

        from secpla.citizen_requests import demo as citizen_requests_demo

        citizen_requests_demo.load(today=today)
    return counts
