"""The demo municipality's planning records: a PLADECO for Bulnes and its follow-up.

Everything here is synthetic (names, amounts, decrees, agreements, comments); the
municipality is flagged `is_demo`, so every screen says so. It runs after core's demo
(which creates the directorates and the users) and, like it, never updates what
exists: each record is looked up by a natural key and created only when missing, so a
second run writes nothing.

Every write goes through the services on behalf of a demo user (the Director SECPLA,
the DIDECO liaison for DIDECO's own reports and comments, the Alcaldesa and the
Administrador Municipal for the tasks they give SECPLA), so the change log and each
initiative's timeline look like the module in use. The timeline has fixed dates in
2025 and 2026 (the evaluations' cut-offs fall between them); council agreements and
tasks are dated relative to today, so some are always overdue.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from secpla.core import services as core_services
from secpla.core.audit import audit_context
from secpla.core.models import Directorate, User
from secpla.planning import services
from secpla.planning.models import (
    CouncilAgreement,
    Evaluation,
    IndicatorTarget,
    Initiative,
    InitiativeStatus,
    ParticipationActivity,
    Plan,
    PlanNode,
    Policy,
    Task,
)

REASON = "Datos de demostración"
PLAN_NAME = "PLADECO Bulnes 2024–2029"

# The dates of the timeline steps; an initiative's history gives one entry per date.
STEP_DATES = (
    dt.date(2025, 3, 15),
    dt.date(2025, 9, 20),
    dt.date(2026, 3, 10),
    dt.date(2026, 9, 15),
)
STATUS_CODES = {
    "SI": "Sin iniciar",
    "ED": "En diseño",
    "BF": "En búsqueda de financiamiento",
    "EE": "En ejecución",
    "T": "Terminada",
    "S": "Suspendida",
    "D": "Descartada",
}
STEP_COMMENTS = {
    "SI": "Iniciativa priorizada; aún sin actividades iniciadas.",
    "ED": "En diseño: antecedentes técnicos y términos de referencia en preparación.",
    "BF": "Postulada a financiamiento; a la espera de la evaluación técnica.",
    "EE": "Avance informado por la dirección responsable.",
    "T": "Iniciativa terminada; recepción conforme.",
    "S": "Suspendida mientras se resuelve su financiamiento.",
    "D": "Descartada al repriorizar la cartera de inversiones.",
}


@dataclass
class Indicator:
    name: str
    unit: str
    baseline: int
    baseline_year: int
    targets: dict[int, tuple[int, int | None]]  # year: (target, achieved)


@dataclass
class Ini:
    """One initiative of the demo matrix.

    `history` has one entry per STEP_DATES date: "-" (nothing reported that day), a
    status code ("EE", the status' default progress) or code and progress ("EE:35").
    All "-": the initiative has no status or progress ("sin información").
    """

    code: str
    name: str
    kind: str
    directorate: str
    years: tuple[int, int]
    cost: int
    funding: str
    history: tuple[str, str, str, str]
    weight: int | None = None
    indicator: Indicator | None = None


@dataclass
class Node:
    code: str
    name: str
    children: list = field(default_factory=list)  # Nodes or Inis
    weight: int | None = None
    description: str = ""


K = Initiative.Kind

TREE = [
    Node(
        "1",
        "Desarrollo social, salud y calidad de vida",
        description="Una comuna que cuida a sus habitantes en el área urbana y en los "
        "sectores rurales.",
        children=[
            Node(
                "1.1",
                "Mejorar el acceso a la salud primaria de la población urbana y rural",
                [
                    Node(
                        "1.1.1",
                        "Infraestructura y equipamiento de salud",
                        [
                            Ini(
                                "DS-01",
                                "Reposición del CESFAM de Bulnes",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2029),
                                6_850_000_000,
                                "Sectorial (MINSAL)",
                                ("ED", "ED:25", "BF:30", "BF:35"),
                            ),
                            Ini(
                                "DS-02",
                                "Mejoramiento de la Posta de Salud Rural de Tres Esquinas",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2026),
                                420_000_000,
                                "FNDR",
                                ("ED", "BF", "EE:40", "T"),
                            ),
                        ],
                    ),
                    Node(
                        "1.1.2",
                        "Promoción de la salud y atención domiciliaria",
                        [
                            Ini(
                                "DS-03",
                                "Programa de atención domiciliaria a personas con dependencia "
                                "severa",
                                K.PROGRAM,
                                "DIDECO",
                                (2024, 2029),
                                180_000_000,
                                "Sectorial (MINSAL) y municipal",
                                ("EE:20", "EE:40", "EE:55", "EE:70"),
                                indicator=Indicator(
                                    "Personas con dependencia severa con visita mensual",
                                    "personas",
                                    120,
                                    2023,
                                    {2025: (150, 148), 2026: (170, None), 2027: (190, None)},
                                ),
                            ),
                            Ini(
                                "DS-04",
                                "Operativos oftalmológicos y dentales en sectores rurales",
                                K.PROGRAM,
                                "DIDECO",
                                (2025, 2027),
                                36_000_000,
                                "Municipal",
                                ("-", "-", "-", "-"),
                            ),
                        ],
                    ),
                ],
            ),
            Node(
                "1.2",
                "Fortalecer la protección social de personas mayores, infancia y personas "
                "con discapacidad",
                [
                    Node(
                        "1.2.1",
                        "Personas mayores y cuidados",
                        [
                            Ini(
                                "DS-05",
                                "Construcción del Centro Diurno del Adulto Mayor",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2027),
                                980_000_000,
                                "FNDR",
                                ("BF", "BF:25", "EE:35", "EE:55"),
                            ),
                            Ini(
                                "DS-06",
                                "Programa comunal de cuidados y respiro para cuidadoras",
                                K.PROGRAM,
                                "DIDECO",
                                (2025, 2029),
                                60_000_000,
                                "Sectorial (MDSF) y municipal",
                                ("SI", "EE:30", "EE:45", "EE:60"),
                            ),
                        ],
                    ),
                    Node(
                        "1.2.2",
                        "Infancia e inclusión",
                        [
                            Ini(
                                "DS-07",
                                "Instalación de la Oficina Local de la Niñez",
                                K.MANAGEMENT,
                                "DIDECO",
                                (2024, 2025),
                                45_000_000,
                                "Sectorial (MDSF)",
                                ("EE:70", "T", "-", "-"),
                            ),
                        ],
                    ),
                ],
            ),
            Node(
                "1.3",
                "Mejorar el acceso a una vivienda digna",
                [
                    Node(
                        "1.3.1",
                        "Vivienda y regularización de la propiedad",
                        [
                            Ini(
                                "DS-08",
                                "Entidad Patrocinante Municipal para comités de vivienda",
                                K.PROGRAM,
                                "DIDECO",
                                (2024, 2029),
                                120_000_000,
                                "Municipal",
                                ("EE:25", "EE:35", "EE:45", "EE:50"),
                            ),
                            Ini(
                                "DS-09",
                                "Regularización de títulos de dominio en sectores rurales",
                                K.MANAGEMENT,
                                "DAJ",
                                (2025, 2027),
                                15_000_000,
                                "Sectorial (Bienes Nacionales)",
                                ("-", "-", "-", "-"),
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    Node(
        "2",
        "Desarrollo económico local y agricultura",
        description="Una economía local basada en la agricultura familiar campesina, el "
        "emprendimiento y el turismo rural.",
        children=[
            Node(
                "2.1",
                "Fortalecer la agricultura familiar campesina y el acceso al riego",
                [
                    Node(
                        "2.1.1",
                        "Riego y asistencia técnica",
                        [
                            Ini(
                                "DE-01",
                                "Ampliación del Programa de Desarrollo Local (PRODESAL)",
                                K.PROGRAM,
                                "DIDECO",
                                (2024, 2029),
                                240_000_000,
                                "Sectorial (INDAP) y municipal",
                                ("EE:20", "EE:35", "EE:50", "EE:60"),
                                indicator=Indicator(
                                    "Agricultores con asesoría técnica",
                                    "agricultores",
                                    180,
                                    2023,
                                    {2025: (200, 205), 2026: (220, None), 2027: (240, None)},
                                ),
                            ),
                            Ini(
                                "DE-02",
                                "Tecnificación del riego para pequeños agricultores",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2028),
                                350_000_000,
                                "Sectorial (CNR e INDAP)",
                                ("BF", "BF:25", "EE:40", "EE:45"),
                            ),
                        ],
                    ),
                    Node(
                        "2.1.2",
                        "Comercialización de la producción local",
                        [
                            Ini(
                                "DE-03",
                                "Construcción del Mercado Campesino de Bulnes",
                                K.PROJECT,
                                "SECPLA",
                                (2026, 2028),
                                520_000_000,
                                "FNDR",
                                ("ED", "ED:25", "BF:30", "-"),
                            ),
                            Ini(
                                "DE-04",
                                "Ferias campesinas quincenales en la Plaza de Armas",
                                K.MANAGEMENT,
                                "DIDECO",
                                (2024, 2029),
                                12_000_000,
                                "Municipal",
                                ("EE:40", "EE:60", "EE:70", "EE:80"),
                            ),
                        ],
                    ),
                ],
            ),
            Node(
                "2.2",
                "Promover el emprendimiento, el empleo y el turismo rural",
                [
                    Node(
                        "2.2.1",
                        "Emprendimiento y empleo",
                        [
                            Ini(
                                "DE-05",
                                "Fondo concursable municipal para emprendedores",
                                K.PROGRAM,
                                "DIDECO",
                                (2024, 2029),
                                90_000_000,
                                "Municipal",
                                ("EE:15", "EE:30", "EE:45", "EE:60"),
                            ),
                            Ini(
                                "DE-06",
                                "Fortalecimiento de la Oficina Municipal de Intermediación "
                                "Laboral (OMIL)",
                                K.MANAGEMENT,
                                "DIDECO",
                                (2025, 2029),
                                40_000_000,
                                "Sectorial (SENCE) y municipal",
                                ("SI", "EE:25", "EE:40", "EE:50"),
                            ),
                        ],
                    ),
                    Node(
                        "2.2.2",
                        "Turismo rural",
                        [
                            Ini(
                                "DE-07",
                                "Plan de desarrollo turístico comunal",
                                K.STUDY,
                                "SECPLA",
                                (2026, 2027),
                                25_000_000,
                                "Sectorial (SERNATUR)",
                                ("-", "-", "-", "-"),
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    Node(
        "3",
        "Medio ambiente y gestión hídrica",
        description="Agua para todos los sectores y una gestión responsable de los "
        "residuos y las áreas verdes.",
        children=[
            Node(
                "3.1",
                "Asegurar el abastecimiento de agua potable en los sectores rurales",
                weight=60,
                children=[
                    Node(
                        "3.1.1",
                        "Agua potable rural",
                        [
                            Ini(
                                "MA-01",
                                "Mejoramiento y ampliación del APR de Santa Clara",
                                K.PROJECT,
                                "SECPLA",
                                (2024, 2027),
                                1_450_000_000,
                                "Sectorial (MOP, Dirección de Obras Hidráulicas)",
                                ("ED:30", "BF:40", "EE:55", "EE:70"),
                                weight=3,
                                indicator=Indicator(
                                    "Viviendas rurales conectadas a agua potable de red",
                                    "viviendas",
                                    1850,
                                    2023,
                                    {2025: (1900, 1880), 2026: (2050, None), 2027: (2250, None)},
                                ),
                            ),
                            Ini(
                                "MA-02",
                                "Abastecimiento de agua potable con camiones aljibe",
                                K.PROGRAM,
                                "DIMAO",
                                (2024, 2029),
                                210_000_000,
                                "Sectorial (SENAPRED) y municipal",
                                ("EE:50", "EE:60", "EE:60", "EE:65"),
                                weight=1,
                            ),
                            Ini(
                                "MA-03",
                                "Estudio de factibilidad del sistema APR de Tres Esquinas",
                                K.STUDY,
                                "SECPLA",
                                (2025, 2026),
                                45_000_000,
                                "FNDR",
                                ("SI", "ED:40", "ED:70", "T"),
                                weight=2,
                            ),
                        ],
                    ),
                    Node(
                        "3.1.2",
                        "Cuidado de cauces y canales",
                        [
                            Ini(
                                "MA-04",
                                "Limpieza y mantención de canales y esteros urbanos",
                                K.MANAGEMENT,
                                "DIMAO",
                                (2024, 2029),
                                30_000_000,
                                "Municipal",
                                ("EE:30", "EE:45", "EE:50", "EE:60"),
                            ),
                        ],
                    ),
                ],
            ),
            Node(
                "3.2",
                "Gestionar los residuos y proteger el medio ambiente",
                weight=40,
                children=[
                    Node(
                        "3.2.1",
                        "Residuos y reciclaje",
                        [
                            Ini(
                                "MA-05",
                                "Programa de reciclaje con puntos verdes en los barrios",
                                K.PROGRAM,
                                "DIMAO",
                                (2025, 2029),
                                75_000_000,
                                "Sectorial (MMA) y municipal",
                                ("ED", "ED:20", "EE:35", "EE:45"),
                                indicator=Indicator(
                                    "Residuos reciclados al año",
                                    "toneladas",
                                    40,
                                    2023,
                                    {2025: (60, 52), 2026: (90, None), 2027: (120, None)},
                                ),
                            ),
                            Ini(
                                "MA-06",
                                "Construcción del punto limpio comunal",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2027),
                                380_000_000,
                                "FNDR",
                                ("BF", "BF:20", "BF:20", "S"),
                            ),
                            Ini(
                                "MA-07",
                                "Certificación ambiental municipal (SCAM), nivel intermedio",
                                K.MANAGEMENT,
                                "DIMAO",
                                (2024, 2026),
                                8_000_000,
                                "Municipal",
                                ("EE:50", "EE:70", "T", "-"),
                            ),
                        ],
                    ),
                    Node(
                        "3.2.2",
                        "Arbolado y áreas verdes",
                        [
                            Ini(
                                "MA-08",
                                "Plan de arborización urbana con especies nativas",
                                K.PLAN,
                                "DIMAO",
                                (2025, 2028),
                                55_000_000,
                                "Sectorial (CONAF) y municipal",
                                ("-", "-", "-", "-"),
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    Node(
        "4",
        "Ordenamiento territorial e infraestructura",
        description="Un territorio planificado, conectado y con espacios públicos de "
        "calidad en Bulnes urbano, Santa Clara y los sectores rurales.",
        children=[
            Node(
                "4.1",
                "Actualizar los instrumentos de planificación territorial",
                [
                    Node(
                        "4.1.1",
                        "Planificación urbana",
                        [
                            Ini(
                                "OT-01",
                                "Actualización del Plan Regulador Comunal",
                                K.STUDY,
                                "SECPLA",
                                (2024, 2027),
                                180_000_000,
                                "Sectorial (MINVU)",
                                ("EE:20", "EE:35", "EE:45", "EE:55"),
                            ),
                            Ini(
                                "OT-02",
                                "Plan Seccional de Santa Clara",
                                K.STUDY,
                                "SECPLA",
                                (2026, 2028),
                                60_000_000,
                                "Sectorial (MINVU)",
                                ("-", "-", "SI", "ED:15"),
                            ),
                        ],
                    ),
                ],
            ),
            Node(
                "4.2",
                "Mejorar la infraestructura vial, sanitaria y los espacios públicos",
                [
                    Node(
                        "4.2.1",
                        "Pavimentación y conectividad",
                        [
                            Ini(
                                "OT-03",
                                "Pavimentación participativa de calles de Bulnes urbano",
                                K.PROJECT,
                                "DOM",
                                (2025, 2026),
                                650_000_000,
                                "Sectorial (MINVU, Pavimentos Participativos)",
                                ("BF", "EE:30", "EE:70", "T"),
                            ),
                            Ini(
                                "OT-04",
                                "Mejoramiento de caminos rurales del sector Tres Esquinas",
                                K.PROJECT,
                                "DOM",
                                (2025, 2027),
                                290_000_000,
                                "Sectorial (MOP, Vialidad)",
                                ("BF", "BF:20", "EE:30", "EE:45"),
                            ),
                            Ini(
                                "OT-05",
                                "Construcción de la ciclovía Bulnes – Santa Clara",
                                K.PROJECT,
                                "SECPLA",
                                (2027, 2029),
                                2_100_000_000,
                                "FNDR",
                                ("-", "ED", "ED:20", "BF:25"),
                            ),
                        ],
                    ),
                    Node(
                        "4.2.2",
                        "Saneamiento y espacios públicos",
                        [
                            Ini(
                                "OT-06",
                                "Alcantarillado y planta de tratamiento de aguas servidas de "
                                "Santa Clara",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2029),
                                3_800_000_000,
                                "PMB (SUBDERE) y FNDR",
                                ("ED:15", "ED:25", "BF:30", "BF:35"),
                            ),
                            Ini(
                                "OT-07",
                                "Mejoramiento de la Plaza de Armas de Bulnes",
                                K.PROJECT,
                                "SECPLA",
                                (2024, 2026),
                                245_000_000,
                                "FNDR",
                                ("EE:20", "EE:50", "EE:85", "T"),
                            ),
                            Ini(
                                "OT-08",
                                "Construcción de sedes sociales en villas de Bulnes urbano",
                                K.PROJECT,
                                "DOM",
                                (2025, 2027),
                                180_000_000,
                                "PMU (SUBDERE)",
                                ("ED", "BF:25", "EE:45", "EE:60"),
                            ),
                            Ini(
                                "OT-09",
                                "Mejoramiento de multicanchas barriales",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2026),
                                95_000_000,
                                "FRIL",
                                ("BF", "EE:40", "T", "-"),
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    Node(
        "5",
        "Comunidad segura, educada y con identidad cultural",
        description="Barrios y sectores rurales seguros, educación pública fortalecida y "
        "acceso a la cultura y el deporte.",
        children=[
            Node(
                "5.1",
                "Mejorar la seguridad y la convivencia en barrios y sectores rurales",
                [
                    Node(
                        "5.1.1",
                        "Prevención situacional",
                        [
                            Ini(
                                "SE-01",
                                "Recambio de luminarias públicas a tecnología LED",
                                K.PROJECT,
                                "SECPLA",
                                (2024, 2025),
                                410_000_000,
                                "PMU (SUBDERE)",
                                ("EE:40", "EE:80", "T", "-"),
                                indicator=Indicator(
                                    "Luminarias LED instaladas",
                                    "luminarias",
                                    600,
                                    2023,
                                    {2025: (2400, 2350), 2026: (2600, None)},
                                ),
                            ),
                            Ini(
                                "SE-02",
                                "Sistema de cámaras de televigilancia en el centro de Bulnes",
                                K.PROJECT,
                                "SECPLA",
                                (2025, 2026),
                                160_000_000,
                                "FNDR (8 % seguridad)",
                                ("ED", "BF:25", "EE:50", "EE:80"),
                            ),
                            Ini(
                                "SE-03",
                                "Actualización del Plan Comunal de Seguridad Pública",
                                K.PLAN,
                                "SECPLA",
                                (2025, 2025),
                                12_000_000,
                                "Municipal",
                                ("ED:30", "ED:60", "T", "-"),
                            ),
                        ],
                    ),
                    Node(
                        "5.1.2",
                        "Seguridad vial",
                        [
                            Ini(
                                "SE-04",
                                "Programa de educación vial en escuelas",
                                K.PROGRAM,
                                "DTT",
                                (2025, 2029),
                                10_000_000,
                                "Municipal",
                                ("SI", "EE:20", "EE:35", "EE:50"),
                            ),
                        ],
                    ),
                ],
            ),
            Node(
                "5.2",
                "Fortalecer la educación y el acceso a la cultura y el deporte",
                [
                    Node(
                        "5.2.1",
                        "Educación",
                        [
                            Ini(
                                "SE-05",
                                "Programa de becas municipales para la educación superior",
                                K.PROGRAM,
                                "DIDECO",
                                (2024, 2029),
                                150_000_000,
                                "Municipal",
                                ("EE:20", "EE:35", "EE:50", "EE:60"),
                                indicator=Indicator(
                                    "Estudiantes con beca municipal",
                                    "estudiantes",
                                    80,
                                    2023,
                                    {2025: (100, 104), 2026: (110, None), 2027: (120, None)},
                                ),
                            ),
                            Ini(
                                "SE-06",
                                "Coordinación del transporte escolar rural con el Servicio "
                                "Local de Educación Pública",
                                K.MANAGEMENT,
                                "DIDECO",
                                (2025, 2029),
                                0,
                                "Sectorial (MINEDUC)",
                                ("-", "-", "-", "-"),
                            ),
                        ],
                    ),
                    Node(
                        "5.2.2",
                        "Cultura, patrimonio y deporte",
                        [
                            Ini(
                                "SE-07",
                                "Restauración de la Casa de la Cultura de Bulnes",
                                K.PROJECT,
                                "SECPLA",
                                (2026, 2029),
                                890_000_000,
                                "Sectorial (MINCAP) y FNDR",
                                ("-", "BF", "BF:20", "D"),
                            ),
                            Ini(
                                "SE-08",
                                "Escuelas deportivas municipales",
                                K.PROGRAM,
                                "DIDECO",
                                (2024, 2029),
                                70_000_000,
                                "FNDR (8 % deporte) y municipal",
                                ("EE:30", "EE:45", "EE:55", "EE:65"),
                            ),
                            Ini(
                                "SE-09",
                                "Plan Municipal de Cultura 2025–2029",
                                K.PLAN,
                                "DIDECO",
                                (2025, 2025),
                                9_000_000,
                                "Municipal",
                                ("ED:30", "T", "-", "-"),
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
    Node(
        "6",
        "Gestión municipal moderna y participativa",
        description="Un municipio cercano, transparente y que rinde cuenta del avance de su plan.",
        children=[
            Node(
                "6.1",
                "Modernizar la gestión y la atención a vecinas y vecinos",
                [
                    Node(
                        "6.1.1",
                        "Transformación digital",
                        [
                            Ini(
                                "GM-01",
                                "Implementación de trámites municipales en línea",
                                K.PROJECT,
                                "DAF",
                                (2025, 2027),
                                65_000_000,
                                "Sectorial (SUBDERE) y municipal",
                                ("ED", "EE:30", "EE:45", "EE:55"),
                            ),
                            Ini(
                                "GM-02",
                                "Sistema de seguimiento del PLADECO y de los acuerdos del Concejo",
                                K.MANAGEMENT,
                                "SECPLA",
                                (2025, 2026),
                                0,
                                "Municipal",
                                ("ED:20", "EE:40", "EE:70", "EE:90"),
                            ),
                        ],
                    ),
                    Node(
                        "6.1.2",
                        "Finanzas y control",
                        [
                            Ini(
                                "GM-03",
                                "Actualización del catastro de patentes y derechos municipales",
                                K.MANAGEMENT,
                                "DAF",
                                (2025, 2026),
                                20_000_000,
                                "Municipal",
                                ("SI", "EE:25", "EE:50", "EE:70"),
                            ),
                            Ini(
                                "GM-04",
                                "Plan anual de auditoría interna y control de gestión",
                                K.PLAN,
                                "DCONTROL",
                                (2024, 2029),
                                0,
                                "Municipal",
                                ("-", "-", "-", "-"),
                            ),
                        ],
                    ),
                ],
            ),
            Node(
                "6.2",
                "Fortalecer la participación ciudadana y la transparencia",
                [
                    Node(
                        "6.2.1",
                        "Participación y transparencia",
                        [
                            Ini(
                                "GM-05",
                                "Presupuestos participativos por sector",
                                K.PROGRAM,
                                "SECPLA",
                                (2025, 2029),
                                100_000_000,
                                "Municipal",
                                ("ED", "EE:20", "EE:40", "EE:50"),
                            ),
                            Ini(
                                "GM-06",
                                "Actualización de la ordenanza de participación ciudadana",
                                K.MANAGEMENT,
                                "SECMU",
                                (2025, 2026),
                                0,
                                "Municipal",
                                ("SI", "ED:30", "ED:60", "EE:80"),
                            ),
                            Ini(
                                "GM-07",
                                "Cuenta pública participativa del avance del PLADECO",
                                K.MANAGEMENT,
                                "SECPLA",
                                (2025, 2029),
                                6_000_000,
                                "Municipal",
                                ("-", "EE:20", "EE:40", "EE:60"),
                            ),
                        ],
                    ),
                ],
            ),
        ],
    ),
]

# name, as of, notes, {initiative code: (username, comment)}, close it?
EVALUATIONS = [
    (
        "Evaluación semestral al 31-12-2025",
        dt.date(2025, 12, 31),
        "Primera evaluación del PLADECO con el nuevo sistema de seguimiento (demostración).",
        {
            "DS-03": (
                "enlace.dideco",
                "Se sumaron dos técnicos en enfermería; la meta anual quedó casi cumplida.",
            ),
            "OT-07": ("director", "Obra con la mitad del avance físico; término previsto 2026."),
            "MA-01": ("director", "Proyecto postulado a la DOH; se espera la admisibilidad."),
        },
        True,
    ),
    (
        "Evaluación semestral al 30-06-2026",
        dt.date(2026, 6, 30),
        "Segunda evaluación semestral; abierta a los comentarios de las direcciones.",
        {
            "DE-01": (
                "enlace.dideco",
                "Se incorporaron los agricultores del sector Tres Esquinas al programa.",
            ),
            "DS-06": ("enlace.dideco", "Talleres de respiro funcionando en Santa Clara y Bulnes."),
            "OT-06": ("director", "Diseño de ingeniería aprobado; postulación al PMB en curso."),
        },
        False,
    ),
]

# kind, name, date, territory, participants, summary, objective codes
PARTICIPATION = [
    (
        ParticipationActivity.Kind.CABILDO,
        "Cabildo territorial Santa Clara",
        dt.date(2023, 8, 12),
        "Santa Clara",
        64,
        "Vecinas y vecinos priorizaron el agua potable, el alcantarillado y la atención "
        "de salud en el sector.",
        ["1.1", "3.1", "4.2"],
    ),
    (
        ParticipationActivity.Kind.CABILDO,
        "Cabildo territorial Tres Esquinas",
        dt.date(2023, 8, 26),
        "Tres Esquinas",
        41,
        "Se pidió mejorar los caminos rurales, el riego y el abastecimiento de agua en verano.",
        ["2.1", "3.1", "4.2"],
    ),
    (
        ParticipationActivity.Kind.CABILDO,
        "Cabildo territorial Bulnes urbano",
        dt.date(2023, 9, 9),
        "Bulnes urbano",
        112,
        "Seguridad en los barrios, espacios públicos, pavimentación y cuidado de las "
        "personas mayores.",
        ["1.2", "4.2", "5.1"],
    ),
    (
        ParticipationActivity.Kind.SURVEY,
        "Encuesta comunal PLADECO (en línea y presencial)",
        dt.date(2023, 9, 30),
        "Comunal",
        836,
        "Encuesta de percepción de problemas y prioridades por sector.",
        ["1.1", "2.2", "5.1", "6.1"],
    ),
    (
        ParticipationActivity.Kind.WORKSHOP,
        "Taller con agricultores y regantes",
        dt.date(2023, 10, 14),
        "Sectores rurales",
        38,
        "Riego tecnificado, comercialización y asistencia técnica.",
        ["2.1", "3.1"],
    ),
    (
        ParticipationActivity.Kind.COSOC,
        "Sesión del COSOC: validación de la imagen objetivo",
        dt.date(2023, 11, 8),
        "Comunal",
        17,
        "El consejo validó la imagen objetivo y los ejes estratégicos del plan.",
        ["6.2"],
    ),
]

# name, area, status, decree, approval date, description, objective codes
POLICIES = [
    (
        "Política Comunal de Medio Ambiente",
        "Medio ambiente",
        Policy.Status.APPROVED,
        "D.A. 2310 (demo)",
        dt.date(2024, 11, 5),
        "Orienta la gestión ambiental municipal: agua, residuos, arbolado y educación ambiental.",
        ["3.1", "3.2"],
    ),
    (
        "Política Comunal de Juventud",
        "Juventud",
        Policy.Status.CONSULTATION,
        "",
        None,
        "En consulta con organizaciones juveniles y el COSOC.",
        ["1.2", "6.2"],
    ),
    (
        "Política Comunal de Cultura",
        "Cultura y patrimonio",
        Policy.Status.PROPOSED,
        "",
        None,
        "Propuesta elaborada a partir del Plan Municipal de Cultura.",
        ["5.2"],
    ),
    (
        "Política Comunal de Deporte y Recreación 2015–2020",
        "Deporte",
        Policy.Status.REPEALED,
        "D.A. 845 (demo)",
        dt.date(2015, 6, 10),
        "Derogada; sus líneas se incorporaron al eje 5 del PLADECO.",
        ["5.2"],
    ),
]

# number, session (days ago), session name, text, directorate, due (days from session),
# status, completed (days ago), evidence
S = CouncilAgreement.Status
COUNCIL_AGREEMENTS = [
    (
        "101",
        240,
        "Sesión ordinaria N° 41",
        "Solicita a SECPLA presentar al Concejo el avance del PLADECO al inicio de cada semestre.",
        "SECPLA",
        40,
        S.DONE,
        205,
        "Informe de avance presentado en la sesión ordinaria N° 43 (demo).",
    ),
    (
        "108",
        210,
        "Sesión ordinaria N° 42",
        "Aprueba postular el proyecto «Mejoramiento y ampliación del APR de Santa Clara» y "
        "encarga a SECPLA enviar los antecedentes.",
        "SECPLA",
        45,
        S.DONE,
        180,
        "Oficio de postulación enviado a la Dirección de Obras Hidráulicas (demo).",
    ),
    (
        "115",
        180,
        "Sesión ordinaria N° 43",
        "Encarga a DIDECO informar las familias atendidas por el programa de cuidados y su "
        "cobertura rural.",
        "DIDECO",
        60,
        S.DONE,
        125,
        "Minuta con la cobertura por sector entregada a las concejalas y concejales (demo).",
    ),
    (
        "119",
        165,
        "Sesión ordinaria N° 43",
        "Solicita evaluar la compra de un terreno para la ampliación del cementerio.",
        "DAF",
        60,
        S.NOT_APPLICABLE,
        None,
        "",
    ),
    (
        "122",
        150,
        "Sesión ordinaria N° 44",
        "Solicita a la DOM un catastro de las calles sin pavimentar de Bulnes urbano y Santa "
        "Clara para el próximo llamado de Pavimentación Participativa.",
        "DOM",
        90,
        S.PENDING,
        None,
        "",
    ),
    (
        "127",
        120,
        "Sesión extraordinaria N° 12",
        "Encarga a la DIMAO un plan de contingencia para el abastecimiento de agua con "
        "camiones aljibe durante el verano.",
        "DIMAO",
        90,
        S.IN_PROGRESS,
        None,
        "",
    ),
    (
        "133",
        90,
        "Sesión ordinaria N° 46",
        "Solicita a SECPLA presentar el calendario de licitaciones del semestre y el estado "
        "del punto limpio comunal.",
        "SECPLA",
        75,
        S.PENDING,
        None,
        "",
    ),
    (
        "140",
        60,
        "Sesión ordinaria N° 47",
        "Aprueba la modificación presupuestaria N° 8 y encarga a la DAF publicarla en "
        "transparencia activa.",
        "DAF",
        20,
        S.DONE,
        50,
        "Publicada en el portal de transparencia activa (demo).",
    ),
    (
        "146",
        30,
        "Sesión ordinaria N° 48",
        "Encarga a DIDECO coordinar con el COSOC la consulta de la Política Comunal de Juventud.",
        "DIDECO",
        60,
        S.IN_PROGRESS,
        None,
        "",
    ),
    (
        "151",
        14,
        "Sesión ordinaria N° 49",
        "Solicita a la Dirección de Tránsito estudiar reductores de velocidad frente a la "
        "escuela de Tres Esquinas.",
        "DTT",
        60,
        S.PENDING,
        None,
        "",
    ),
    (
        "155",
        7,
        "Sesión ordinaria N° 50",
        "Encarga a SECPLA informar el cronograma de la actualización del Plan Regulador Comunal.",
        "SECPLA",
        28,
        S.PENDING,
        None,
        "",
    ),
]

# requester, title, detail, requested (days ago), due (days after request), assignee,
# status, completed (days ago), result
T = Task.Status
R = Task.Requester
TASKS = [
    (
        R.MAYOR,
        "Preparar la minuta de proyectos para la reunión con el Gobierno Regional",
        "Cartera priorizada con costos, estado y fuente de financiamiento.",
        45,
        15,
        "estudios",
        T.PENDING,
        None,
        "",
    ),
    (
        R.ADMINISTRATOR,
        "Consolidar el informe semestral de avance del PLADECO para el Concejo",
        "A partir de la evaluación abierta y los comentarios de las direcciones.",
        20,
        30,
        "estudios",
        T.IN_PROGRESS,
        None,
        "",
    ),
    (
        R.MAYOR,
        "Priorizar tres proyectos para postular al FRIL del próximo año",
        "",
        60,
        40,
        "director",
        T.IN_PROGRESS,
        None,
        "",
    ),
    (
        R.ADMINISTRATOR,
        "Proyectar el presupuesto de inversión municipal del próximo año",
        "",
        90,
        50,
        "presupuesto",
        T.DONE,
        42,
        "Proyección entregada al Administrador Municipal con tres escenarios (demo).",
    ),
    (
        R.ADMINISTRATOR,
        "Preparar las bases de licitación de la mantención de áreas verdes",
        "",
        50,
        40,
        "licitaciones",
        T.PENDING,
        None,
        "",
    ),
    (
        R.MAYOR,
        "Informe técnico del uso de suelo del terreno propuesto para el Centro Diurno",
        "",
        35,
        30,
        "urbanista",
        T.DONE,
        8,
        "El terreno es compatible con equipamiento social según el Plan Regulador (demo).",
    ),
    (
        R.MAYOR,
        "Responder a la junta de vecinos de Tres Esquinas sobre el estudio del APR",
        "",
        10,
        15,
        "estudios",
        T.PENDING,
        None,
        "",
    ),
    (
        R.ADMINISTRATOR,
        "Actualizar el calendario de licitaciones del semestre",
        "",
        15,
        35,
        "licitaciones",
        T.PENDING,
        None,
        "",
    ),
]


class _Loader:
    def __init__(self, today: dt.date):
        self.today = today
        self.created = 0
        self.users: dict[str, User] = {}
        self.directorates = {d.code: d for d in Directorate.objects.all()}
        self.statuses = {
            code: InitiativeStatus.objects.get(name=name) for code, name in STATUS_CODES.items()
        }
        self.nodes: dict[str, PlanNode] = {}
        self.plan: Plan | None = None

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

    @property
    def director(self) -> User:
        return self.user("director")

    def directorate(self, code: str) -> Directorate:
        try:
            return self.directorates[code]
        except KeyError as exc:
            raise RuntimeError(
                f"Falta la dirección de demostración «{code}»: cargue primero la "
                "municipalidad de demostración (secpla load_demo)."
            ) from exc

    def create(self, instance, actor=None):
        core_services.record_create(actor=actor or self.director, instance=instance, reason=REASON)
        self.created += 1
        return instance

    def link(self, instance, codes: list[str]) -> None:
        core_services.record_set_links(
            actor=self.director,
            instance=instance,
            field="objectives",
            values=[self.nodes[code] for code in codes],
            reason=REASON,
        )

    # -- the plan ------------------------------------------------------------------

    def load_plan(self) -> None:
        plan = Plan.objects.filter(name=PLAN_NAME).first()
        if plan is None:
            another_current = Plan.objects.filter(status=Plan.Status.CURRENT).exists()
            plan = self.create(
                Plan(
                    name=PLAN_NAME,
                    start_year=2024,
                    end_year=2029,
                    status=Plan.Status.DRAFT if another_current else Plan.Status.CURRENT,
                    approval_agreement="Acuerdo N° 38/2024 (demo)",
                    approval_date=dt.date(2024, 3, 26),
                    approval_decree="D.A. 1102 (demo)",
                    description="Plan de Desarrollo Comunal sintético de la municipalidad de "
                    "demostración: ejes, objetivos, iniciativas y avances son ficticios.",
                )
            )
        self.plan = plan
        counter = {"node": 0, "initiative": 0}
        for root in TREE:
            self.load_node(root, None, counter)

    def load_node(self, spec: Node, parent: PlanNode | None, counter: dict) -> None:
        node = PlanNode.objects.filter(plan=self.plan, code=spec.code).first()
        counter["node"] += 1
        if node is None:
            node = self.create(
                PlanNode(
                    plan=self.plan,
                    parent=parent,
                    code=spec.code,
                    name=spec.name,
                    description=spec.description,
                    weight=Decimal(spec.weight) if spec.weight else None,
                    position=counter["node"],
                )
            )
        self.nodes[spec.code] = node
        for child in spec.children:
            if isinstance(child, Node):
                self.load_node(child, node, counter)
            else:
                counter["initiative"] += 1
                self.load_initiative(child, node, counter["initiative"])

    def load_initiative(self, spec: Ini, node: PlanNode, position: int) -> None:
        if Initiative.objects.filter(plan=self.plan, code=spec.code).exists():
            return
        if len(spec.history) != len(STEP_DATES):
            raise ValueError(f"{spec.code}: la historia debe tener {len(STEP_DATES)} entradas.")
        steps = [
            (date, *self.parse_step(entry))
            for date, entry in zip(STEP_DATES, spec.history, strict=True)
            if entry != "-"
        ]
        initiative = Initiative(
            plan=self.plan,
            node=node,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            directorate=self.directorate(spec.directorate),
            weight=Decimal(spec.weight) if spec.weight else None,
            start_year=spec.years[0],
            end_year=spec.years[1],
            estimated_cost=spec.cost,
            funding_source=spec.funding,
            position=position,
        )
        if spec.indicator:
            initiative.indicator_name = spec.indicator.name
            initiative.indicator_unit = spec.indicator.unit
            initiative.indicator_baseline = Decimal(spec.indicator.baseline)
            initiative.indicator_baseline_year = spec.indicator.baseline_year
        first_date = STEP_DATES[0]
        if steps:
            first_date, initiative.status, initiative.progress, comment = steps.pop(0)
        else:
            comment = ""
        services.initiative_save(
            actor=self.director,
            initiative=initiative,
            reason=REASON,
            date=first_date,
            comment=comment,
        )
        self.created += 1
        # DIDECO's liaison reports DIDECO's initiatives; SECPLA reports the rest.
        reporter = self.user("enlace.dideco") if spec.directorate == "DIDECO" else self.director
        for date, status, progress, comment in steps:
            initiative = services.initiative_report_progress(
                actor=reporter,
                initiative=initiative,
                status=status,
                progress=progress,
                date=date,
                comment=comment,
            )
        if spec.indicator:
            for year, (target, achieved) in spec.indicator.targets.items():
                self.create(
                    IndicatorTarget(
                        initiative=initiative,
                        year=year,
                        target=Decimal(target),
                        achieved=Decimal(achieved) if achieved is not None else None,
                    )
                )

    def parse_step(self, entry: str) -> tuple[InitiativeStatus, Decimal | None, str]:
        code, _, progress = entry.partition(":")
        status = self.statuses[code]
        value = Decimal(progress) if progress else None
        comment = STEP_COMMENTS[code]
        if value is not None and code == "EE":
            comment = f"{comment} Avance: {value} %."
        return status, value, comment

    # -- evaluations, participation, policies ----------------------------------------

    def load_evaluations(self) -> None:
        for name, as_of, notes, comments, close in EVALUATIONS:
            if Evaluation.objects.filter(plan=self.plan, name=name).exists():
                continue
            evaluation = services.evaluation_create(
                actor=self.director,
                evaluation=Evaluation(plan=self.plan, name=name, as_of=as_of, notes=notes),
                reason=REASON,
            )
            self.created += 1
            items = {i.code: i for i in evaluation.items.filter(is_initiative=True)}
            for code, (username, comment) in comments.items():
                services.evaluation_comment(
                    actor=self.user(username), item=items[code], comment=comment
                )
            if close:
                services.evaluation_close(actor=self.director, evaluation=evaluation, reason=REASON)

    def load_participation(self) -> None:
        for kind, name, date, territory, people, summary, codes in PARTICIPATION:
            if ParticipationActivity.objects.filter(plan=self.plan, name=name).exists():
                continue
            activity = self.create(
                ParticipationActivity(
                    plan=self.plan,
                    kind=kind,
                    name=name,
                    date=date,
                    territory=territory,
                    participants=people,
                    description=summary,
                )
            )
            self.link(activity, codes)

    def load_policies(self) -> None:
        for name, area, status, decree, date, description, codes in POLICIES:
            if Policy.objects.filter(name=name).exists():
                continue
            policy = self.create(
                Policy(
                    name=name,
                    area=area,
                    status=status,
                    approval_decree=decree,
                    approval_date=date,
                    description=description,
                )
            )
            self.link(policy, codes)

    # -- technical secretariat -------------------------------------------------------

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    def load_council_agreements(self) -> None:
        for (
            number,
            session_ago,
            session,
            text,
            code,
            due_in,
            status,
            done_ago,
            evidence,
        ) in COUNCIL_AGREEMENTS:
            if CouncilAgreement.objects.filter(text=text).exists():
                continue
            session_date = self.days_ago(session_ago)
            agreement = self.create(
                CouncilAgreement(
                    number=number,
                    session_date=session_date,
                    session=session,
                    text=text,
                    directorate=self.directorate(code),
                    due_date=session_date + dt.timedelta(days=due_in),
                )
            )
            if status == S.PENDING:
                continue
            # The directorate follows up its own agreement (DIDECO through its liaison).
            actor = self.user("enlace.dideco") if code == "DIDECO" else self.director
            agreement.status = status
            if status == S.DONE:
                agreement.completed_on = self.days_ago(done_ago)
                agreement.evidence = evidence
            core_services.record_update(actor=actor, instance=agreement, reason=REASON)

    def load_tasks(self) -> None:
        secpla = self.directorate("SECPLA")
        requesters = {R.MAYOR: "alcaldia", R.ADMINISTRATOR: "administrador"}
        for (
            requester,
            title,
            detail,
            requested_ago,
            due_in,
            username,
            status,
            done_ago,
            result,
        ) in TASKS:
            if Task.objects.filter(title=title).exists():
                continue
            request_date = self.days_ago(requested_ago)
            assignee = self.user(username)
            task = self.create(
                Task(
                    requested_by=requester,
                    title=title,
                    description=detail,
                    request_date=request_date,
                    due_date=request_date + dt.timedelta(days=due_in),
                    directorate=secpla,
                    assignee=assignee,
                ),
                actor=self.user(requesters[requester]),
            )
            if status == T.PENDING:
                continue
            # The person in charge reports how it goes.
            task.status = status
            if status == T.DONE:
                task.completed_on = self.days_ago(done_ago)
                task.result = result
            core_services.record_update(actor=assignee, instance=task, reason=REASON)


def load(stdout=None, today: dt.date | None = None) -> None:
    """Create the demo PLADECO, policies, council agreements and tasks if missing.

    Needs core's demo (directorates and users) loaded first. Loading twice writes
    nothing: no rows, no change-log entries, no timeline steps.
    """
    loader = _Loader(today or timezone.localdate())
    with transaction.atomic(), audit_context(reason=REASON, source="demo"):
        loader.load_plan()
        loader.load_evaluations()
        loader.load_participation()
        loader.load_policies()
        loader.load_council_agreements()
        loader.load_tasks()
    if stdout is not None:
        stdout.write(f"Planificación (PLADECO de demostración): {loader.created} registros nuevos.")
