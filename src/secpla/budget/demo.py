"""The demo municipality's budget: Bulnes 2026 (approved, with modifications and execution
from January to October) and 2027 (in formulation).

The figures are demo figures of the right order for a comuna of about 25 000 inhabitants
(a municipal budget near $ 9.700 millones, the Fondo Común Municipal its largest income),
with one exception: «Patentes municipales» takes Bulnes' real income from patentes of 2024,
M$ 311.762 (SINIM variable 4173, ../shared/data/sinim/data_4173_2022_2024.xml). The shared
data hold no SINIM figure of Bulnes' total budget, so the totals are round demo figures.
Agreements, decrees, requests and execution are synthetic; the municipality is flagged
`is_demo`, so every screen says so.

It runs after the projects demo: the municipal desagregaciones of 215.31.02.004 (obras
civiles) carry the BIP codes of three demo projects in execution, and `links.link_by_bip`
links them. Every write goes through the services on behalf of a demo user (the Director
SECPLA for the classifier and the year's transitions, Control y Presupuesto for amounts,
modifications and the imports, Estudios for the links, the DIDECO liaison for DIDECO's
requests); the execution goes in through `execution.import_month`, from CSV files built in
memory. A year that already exists is left as it is, so a second run writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction

from secpla.budget import execution, formulation, links, services
from secpla.budget.models import (
    Account,
    BudgetRequest,
    BudgetYear,
    ClassifierVersion,
    InitialAmount,
    ManagementArea,
    Modification,
    ModificationLine,
    Program,
)
from secpla.budget.selectors import month_end
from secpla.core import services as core_services
from secpla.core.audit import audit_context
from secpla.core.models import Directorate, User
from secpla.projects.models import Project

REASON = "Datos de demostración"
YEAR, NEXT_YEAR = 2026, 2027
M = 1_000_000
IMPORTED_MONTHS = range(1, 11)  # January to October

# Municipal desagregaciones of 215.31.02.004 (obras civiles): (code, name, project whose
# BIP code the name carries, with the check digit?). One name drops the check digit, as
# many budgets do; link_by_bip matches it too.
WORKS = [
    ("215.31.02.004.001", "Mejoramiento Plaza de Armas de Bulnes",
     "Mejoramiento de la Plaza de Armas de Bulnes", True),
    ("215.31.02.004.002", "Pavimentación participativa Bulnes urbano, llamado 33",
     "Pavimentación participativa calles de Bulnes urbano, llamado 33", False),
    ("215.31.02.004.003", "Restauración Casa de la Cultura de Bulnes",
     "Restauración de la Casa de la Cultura de Bulnes", True),
    ("215.31.02.004.004", "Proyectos FRIL y PMU con transferencias del GORE y la SUBDERE",
     None, False),
]  # fmt: skip

# code, name, área, directorate
PROGRAMS = [
    ("P-04-01", "Programa Adulto Mayor", "04", "DIDECO"),
    ("P-04-02", "Programa Oficina Municipal de la Vivienda", "04", "DIDECO"),
    ("P-05-01", "Programa Deporte y Recreación Comunal", "05", "DIDECO"),
]

# The initial budget 2026: (code, amount, área or program code). Balanced: $ 9.700 millones.
INCOME = [
    ("115.03.01.001", 311_762_000, ""),  # real: SINIM 4173, Bulnes 2024 (M$ 311.762)
    ("115.03.01.002", 165 * M, ""),
    ("115.03.02.001.001", 480 * M, ""),
    ("115.03.02.002", 90 * M, ""),
    ("115.03.03", 610 * M, ""),
    ("115.05.03", 520 * M, ""),
    ("115.06.03", 25 * M, ""),
    ("115.08.01", 70 * M, ""),
    ("115.08.02.008", 60 * M, ""),
    ("115.08.03", 6_100 * M, ""),
    ("115.08.99.999", 18_238_000, ""),
    ("115.13.03", 900 * M, ""),
    ("115.15", 350 * M, ""),
]
EXPENSE = [
    ("215.21.01.001", 1_950 * M, ""),
    ("215.21.02.001", 1_120 * M, ""),
    ("215.21.03.001", 160 * M, ""),
    ("215.21.04.004", 95 * M, "P-04-01"),
    ("215.21.04.004", 60 * M, "P-04-02"),
    ("215.21.04.004", 70 * M, "P-05-01"),
    ("215.22.01", 18 * M, "P-04-01"),
    ("215.22.03", 150 * M, ""),
    ("215.22.04.001", 38 * M, ""),
    ("215.22.04.010", 85 * M, ""),
    ("215.22.05.001", 540 * M, "02"),
    ("215.22.05.002", 90 * M, ""),
    ("215.22.06", 120 * M, ""),
    ("215.22.07", 35 * M, ""),
    ("215.22.08", 1_600 * M, "02"),
    ("215.22.11", 130 * M, ""),
    ("215.23.01.004", 55 * M, ""),
    ("215.24.01", 380 * M, ""),
    ("215.24.03.101", 1_400 * M, ""),
    ("215.26.01", 12 * M, ""),
    ("215.29.04", 22 * M, ""),
    ("215.29.06", 38 * M, ""),
    ("215.31.01.002", 45 * M, ""),
    ("215.31.02.002", 30 * M, ""),
    ("215.31.02.004.001", 20 * M, ""),
    ("215.31.02.004.002", 55 * M, ""),
    ("215.31.02.004.003", 92 * M, ""),
    ("215.31.02.004.004", 900 * M, ""),
    ("215.33.03", 120 * M, ""),
    ("215.34.07", 180 * M, ""),
    ("215.35", 90 * M, ""),
]


@dataclass
class ModificationSpec:
    date: dt.date
    description: str
    lines: list[tuple[str, int]]
    approved_on: dt.date | None = None
    agreement: tuple[str, dt.date] | None = None
    decree: str = ""


MODIFICATIONS = [
    ModificationSpec(
        dt.date(YEAR, 3, 5),
        "Incorpora el mayor ingreso del Fondo Común Municipal informado por la SUBDERE y "
        "suplementa el servicio de aseo, las ayudas sociales y las obras de la Plaza de Armas.",
        [
            ("115.08.03", 150 * M),
            ("215.22.08", 60 * M),
            ("215.24.01", 50 * M),
            ("215.31.02.004.001", 40 * M),
        ],
        approved_on=dt.date(YEAR, 3, 13),
        agreement=("Acuerdo N° 58/2026 (demo)", dt.date(YEAR, 3, 11)),
        decree="D.A. N° 905/2026 (demo)",
    ),
    ModificationSpec(
        dt.date(YEAR, 6, 10),
        "Traspaso entre asignaciones de materiales de uso o consumo para la mantención de "
        "recintos municipales (facultad del Alcalde: no cambia el total del ítem).",
        [("215.22.04.001", -8 * M), ("215.22.04.010", 8 * M)],
        approved_on=dt.date(YEAR, 6, 12),
        decree="D.A. N° 1.702/2026 (demo)",
    ),
    ModificationSpec(
        dt.date(YEAR, 10, 20),
        "Incorpora la segunda cuota de transferencias FRIL 2026 del GORE de Ñuble para obras "
        "de proyectos FRIL (en preparación para el Concejo).",
        [("115.13.03", 120 * M), ("215.31.02.004.004", 120 * M)],
    ),
]

# Requests for 2027: (directorate, user who files it, code, amount, justification). The
# gastos exceed the ingresos, so the consolidated proposal shows the difference.
REQUESTS = [
    ("DAF", "presupuesto", "115.08.03", 6_450 * M,
     "Estimación del Fondo Común Municipal según la proyección de la SUBDERE."),
    ("DAF", "presupuesto", "115.03.03", 640 * M,
     "Impuesto territorial: avalúo fiscal reajustado y nuevas viviendas."),
    ("DAF", "presupuesto", "115.03.02.001.001", 505 * M,
     "Permisos de circulación: parque automotriz 2026 más 4 %."),
    ("DAF", "presupuesto", "115.03.01.001", 325 * M,
     "Patentes municipales: renovación del primer y segundo semestre."),
    ("DAF", "presupuesto", "115.03.01.002", 172 * M, "Derechos de aseo cobrados directamente."),
    ("DAF", "presupuesto", "115.05.03", 520 * M, "Convenios con otras entidades públicas."),
    ("DAF", "presupuesto", "115.13.03", 950 * M, "Transferencias FRIL y PMU esperadas."),
    ("DAF", "presupuesto", "115.15", 300 * M, "Saldo inicial de caja estimado al cierre 2026."),
    ("DAF", "presupuesto", "215.21.01.001", 2_050 * M,
     "Remuneraciones de la planta con el reajuste del sector público."),
    ("DAF", "presupuesto", "215.21.02.001", 1_180 * M, "Personal a contrata."),
    ("DAF", "presupuesto", "215.22.05.001", 575 * M, "Consumo eléctrico y alumbrado público."),
    ("DAF", "presupuesto", "215.24.03.101", 1_450 * M,
     "Aporte a los servicios incorporados de educación y salud."),
    ("DAF", "presupuesto", "215.34.07", 150 * M, "Deuda flotante estimada al cierre 2026."),
    ("DAF", "presupuesto", "215.22.04.001", 40 * M, "Materiales de oficina de todas las unidades."),
    ("DAF", "presupuesto", "215.22.05.002", 95 * M, "Consumo de agua de recintos y áreas verdes."),
    ("DAF", "presupuesto", "215.22.11", 140 * M, "Asesorías técnicas y servicios informáticos."),
    ("DAF", "presupuesto", "215.23.01.004", 60 * M, "Desahucios e indemnizaciones por retiro."),
    ("DIDECO", "enlace.dideco", "215.24.01", 420 * M,
     "Subvenciones a organizaciones y ayudas sociales a familias vulnerables."),
    ("DIDECO", "enlace.dideco", "215.21.04.004", 260 * M,
     "Prestaciones de servicios de los programas comunitarios (adulto mayor, vivienda, "
     "deporte)."),
    ("DIDECO", "enlace.dideco", "215.22.01", 25 * M, "Alimentación de talleres y operativos."),
    ("DIDECO", "enlace.dideco", "215.21.03.001", 170 * M,
     "Honorarios de monitores y profesionales de los programas sociales."),
    ("DOM", "director", "215.22.08", 1_750 * M,
     "Servicio de recolección de residuos y aseo de calles: nueva licitación."),
    ("DOM", "director", "215.22.06", 160 * M, "Mantención de edificios municipales."),
    ("DOM", "director", "215.22.03", 170 * M, "Combustible de la flota municipal."),
    ("DOM", "director", "215.22.04.010", 95 * M, "Materiales para reparar recintos municipales."),
    ("DOM", "director", "215.33.03", 150 * M,
     "Aporte municipal al Programa de Pavimentación Participativa del SERVIU."),
    ("DOM", "director", "215.31.02.004", 1_100 * M,
     "Obras civiles con aporte municipal y transferencias FRIL y PMU."),
]  # fmt: skip


def cumulative(code: str, vigente: int, month: int) -> tuple[int | None, ...]:
    """(obligado, devengado, pagado, percibido) to the end of `month`, demo figures that
    grow month by month: investment runs late (the low-execution alert), fuel is committed
    beyond its vigente by October (the obligado-above-vigente alert), vehicle permits are
    collected in March."""
    share = month / 12
    if code.startswith("115"):
        if code == "115.15":
            accrued = vigente
        elif code.startswith("115.03.02.001"):
            accrued = vigente * {1: 0.15, 2: 0.2}.get(month, 0.85 + 0.015 * (month - 3))
        else:
            accrued = vigente * share * 1.01
        return None, round(accrued, -3), None, round(accrued * 0.96, -3)
    if code.startswith("215.31"):
        obligated = vigente * min(0.9, 0.1 + 0.06 * month)
        accrued = vigente * 0.035 * month
    elif code == "215.22.03":
        obligated = vigente * share * 1.3
        accrued = vigente * share
    else:
        obligated = vigente * min(1.0, share * 1.08)
        accrued = vigente * share * 0.97
    return round(obligated, -3), round(accrued, -3), round(accrued * 0.93, -3), None


class _Loader:
    def __init__(self):
        self.created = 0
        self.users: dict[str, User] = {}
        self.directorates = {d.code: d for d in Directorate.objects.all()}

    def user(self, username: str) -> User:
        if username not in self.users:
            try:
                self.users[username] = User.objects.get(username=username)
            except User.DoesNotExist as exc:
                raise RuntimeError(
                    f"Falta el usuario de demostración «{username}»: cargue primero la "
                    "municipalidad de demostración (secpla load_demo)."
                ) from exc
        return self.users[username]

    def load(self) -> None:
        if not BudgetYear.objects.filter(year=YEAR).exists():
            self.load_current()
        if not BudgetYear.objects.filter(year=NEXT_YEAR).exists():
            self.load_next()

    # -- 2026: approved, modified, executed ---------------------------------------------

    def load_current(self) -> None:
        classifier = ClassifierVersion.objects.get(year=YEAR)
        director, budget = self.user("director"), self.user("presupuesto")
        year = formulation.budget_year_create(
            actor=director, budget_year=BudgetYear(year=YEAR), reason=REASON
        )
        self.created += 1
        self.load_works(classifier)
        programs = self.load_programs(year)
        accounts = dict(Account.objects.filter(version=classifier).values_list("code", "pk"))
        areas = {a.code: a for a in ManagementArea.objects.all()}
        for code, amount, where in [*INCOME, *EXPENSE]:
            formulation.initial_amount_create(
                actor=budget,
                initial=InitialAmount(
                    budget_year=year,
                    account_id=accounts[code],
                    amount=amount,
                    program=programs.get(where),
                    area=areas.get(where),
                ),
                reason=REASON,
            )
            self.created += 1
        formulation.budget_year_present(
            actor=director, budget_year=year, presented_on=dt.date(YEAR - 1, 10, 3), reason=REASON
        )
        year = formulation.budget_year_approve(
            actor=director,
            budget_year=year,
            agreement="Acuerdo N° 312/2025 (demo)",
            approved_on=dt.date(YEAR - 1, 12, 11),
            decree="D.A. N° 4.815/2025 (demo)",
            reason=REASON,
        )
        linked = links.link_by_bip(actor=self.user("estudios"), budget_year=year)
        self.created += len(linked.created)
        for number, spec in enumerate(MODIFICATIONS, start=1):
            self.load_modification(year, number, spec, accounts)
        self.load_execution(year)

    def load_works(self, classifier: ClassifierVersion) -> None:
        """The desagregaciones of obras civiles, named with their projects' BIP codes."""
        for code, name, project_name, check_digit in WORKS:
            bip = (
                Project.objects.filter(name=project_name).values_list("bip_code", flat=True).first()
                if project_name
                else None
            )
            if bip:
                name = f"{name}, BIP {bip if check_digit else bip[:8]}"
            services.account_create(
                actor=self.user("director"),
                account=Account(
                    version=classifier,
                    code=code,
                    name=name,
                    source="Desagregación municipal del presupuesto 2026 (demostración).",
                ),
                reason=REASON,
            )
            self.created += 1

    def load_programs(self, year: BudgetYear) -> dict[str, Program]:
        programs = {}
        for code, name, area, directorate in PROGRAMS:
            programs[code] = core_services.record_create(
                actor=self.user("presupuesto"),
                instance=Program(
                    budget_year=year,
                    code=code,
                    name=name,
                    area=ManagementArea.objects.get(code=area),
                    directorate=self.directorates.get(directorate),
                ),
                reason=REASON,
            )
            self.created += 1
        return programs

    def load_modification(self, year, number: int, spec: ModificationSpec, accounts) -> None:
        actor = self.user("presupuesto")
        agreement, agreement_date = spec.agreement or ("", None)
        modification = services.modification_create(
            actor=actor,
            modification=Modification(
                budget_year=year,
                number=number,
                date=spec.date,
                description=spec.description,
                agreement_number=agreement,
                agreement_date=agreement_date,
                decree=spec.decree,
            ),
            reason=REASON,
        )
        for code, amount in spec.lines:
            services.modification_line_create(
                actor=actor,
                line=ModificationLine(
                    modification=modification, account_id=accounts[code], amount=amount
                ),
                reason=REASON,
            )
        self.created += 1 + len(spec.lines)
        if spec.approved_on:
            services.modification_approve(
                actor=actor, modification=modification, on=spec.approved_on, reason=REASON
            )

    def vigente(self, code: str, on: dt.date) -> int:
        initial = sum(amount for c, amount, _ in [*INCOME, *EXPENSE] if c == code)
        changes = sum(
            amount
            for spec in MODIFICATIONS
            if spec.approved_on and spec.approved_on <= on
            for c, amount in spec.lines
            if c == code
        )
        return initial + changes

    def load_execution(self, year: BudgetYear) -> None:
        """January to October, each month the accounting system's cumulative figures."""
        codes = sorted({code for code, _, _ in [*INCOME, *EXPENSE]} - {"215.35"})
        for month in IMPORTED_MONTHS:
            on = month_end(YEAR, month)
            lines = ["cuenta;obligado;devengado;pagado;percibido"]
            for code in codes:
                values = cumulative(code, self.vigente(code, on), month)
                lines.append(";".join([code, *("" if v is None else str(int(v)) for v in values)]))
            report = execution.import_month(
                actor=self.user("presupuesto"),
                budget_year=year,
                month=month,
                source="\n".join(lines).encode(),
                file_name=f"ejecucion-bulnes-{YEAR}-{month:02d}.csv",
            )
            if not report.ok:
                raise RuntimeError(report.text())
            self.created += 1

    # -- 2027: in formulation ---------------------------------------------------------------

    def load_next(self) -> None:
        director = self.user("director")
        classifier = ClassifierVersion.objects.filter(year=NEXT_YEAR).first()
        if classifier is None:
            classifier = services.classifier_copy(
                actor=director,
                source=ClassifierVersion.objects.get(year=YEAR),
                year=NEXT_YEAR,
                reason=REASON,
            )
            self.created += 1
        year = formulation.budget_year_create(
            actor=director, budget_year=BudgetYear(year=NEXT_YEAR), reason=REASON
        )
        self.created += 1
        accounts = dict(Account.objects.filter(version=classifier).values_list("code", "pk"))
        for directorate, username, code, amount, justification in REQUESTS:
            formulation.budget_request_create(
                actor=self.user(username),
                budget_request=BudgetRequest(
                    budget_year=year,
                    directorate=self.directorates[directorate],
                    account_id=accounts[code],
                    requested=amount,
                    justification=justification,
                ),
                reason=REASON,
            )
            self.created += 1


def load(stdout=None) -> None:
    """Create the demo budget if missing. Needs core's and the projects' demo loaded first
    (users, directorates, the projects whose BIP codes the investment lines carry)."""
    loader = _Loader()
    with transaction.atomic(), audit_context(reason=REASON, source="demo"):
        loader.load()
    if stdout is not None:
        stdout.write(f"Presupuesto de demostración: {loader.created} registros nuevos.")
