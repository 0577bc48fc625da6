"""The demo municipality's investment portfolio: about 60 projects of Bulnes.

Everything here is synthetic (names, amounts, BIP codes, observations, progress); the
municipality is flagged `is_demo`, so every screen says so. BIP codes start with 4009
and amounts are plausible orders of magnitude only (FRIL below 5.000 UTM, PMU in the
tens of millions, FNDR in the hundreds of millions or more).

It runs after core's demo (directorates, users, the comuna boundary) and the planning
demo (the PLADECO initiatives some projects link to; without a current plan the links
are left out). Like them it never updates what exists: a project whose code, name or
BIP code is already there is skipped with everything that hangs from it, so a second
run writes nothing.

Every write goes through the services on behalf of a demo user: Estudios formulates
and postulates, the Director SECPLA takes the funding, tender and execution decisions
and links projects to the PLADECO, DIDECO's liaison reports DIDECO's progress and
Control y Presupuesto records the payments. Timelines are dated relative to `today`,
so there are always projects "atrasado" and "sin reporte".
"""

from __future__ import annotations

import datetime as dt
import inspect
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from secpla.core import services as core_services
from secpla.core.audit import audit_context
from secpla.core.models import Directorate, Municipality, User
from secpla.projects import services
from secpla.projects.models import (
    ApplicationNote,
    FundingApplication,
    FundingLine,
    FundingSource,
    Milestone,
    Payment,
    ProgressReport,
    Project,
    RateResult,
)
from secpla.projects.workflow import Status

REASON = "Datos de demostración"
SEED = "secpla-demo-cartera"

# project_create dates the first step of the timeline today unless it takes `date`;
# without it the demo's status changes are dated today too (other records keep their
# past dates).
DATED_TIMELINES = "date" in inspect.signature(services.project_create).parameters

STEPS = {
    "form": Status.FORMULATION,
    "post": Status.SUBMITTED,
    "adm": Status.ADMISSIBLE,
    "obs": Status.OBSERVED,
    "rec": Status.RECOMMENDED,
    "fin": Status.FUNDED,
    "lic": Status.TENDERING,
    "adj": Status.AWARDED,
    "eje": Status.EXECUTING,
    "ter": Status.FINISHED,
    "des": Status.WITHDRAWN,
}
STEP_COMMENTS = {
    "form": "Vuelve a formulación para corregir el diseño.",
    "post": "Postulado al fondo con todos sus antecedentes.",
    "adm": "Declarado admisible por la entidad evaluadora.",
    "obs": "La entidad evaluadora formuló observaciones.",
    "rec": "Recomendado por la entidad evaluadora.",
    "fin": "Financiamiento aprobado y convenio firmado.",
    "lic": "Licitación publicada en Mercado Público.",
    "adj": "Licitación adjudicada; contrato en firma.",
    "eje": "Entrega de terreno e inicio de la ejecución.",
    "ter": "Recepción provisoria sin observaciones.",
    "des": "El municipio desiste de la iniciativa.",
}
# Routes through the workflow (each is a path the workflow allows).
FORM = ""
POST = "post"
ADM = "post adm"
OBS = "post adm obs"
REC = "post adm rec"
REC_OBS = "post adm obs post rec"
REC_DIRECT = "post rec"
FIN = f"{REC_OBS} fin"
FIN_DIRECT = f"{REC_DIRECT} fin"
LIC = f"{FIN} lic"
LIC_DIRECT = f"{FIN_DIRECT} lic"
ADJ = f"{LIC} adj"
ADJ_DIRECT = f"{LIC_DIRECT} adj"
EJE = f"{ADJ} eje"
EJE_DIRECT = f"{ADJ_DIRECT} eje"
EJE_PROGRAM = f"{REC_DIRECT} fin eje"
TER = f"{EJE} ter"
TER_DIRECT = f"{EJE_DIRECT} ter"

# Places of Bulnes: the urban areas of the Plan Regulador (Bulnes, Santa Clara, Tres
# Esquinas) as boxes, rural sectors as a centre and a radius, all in degrees (WGS84).
URBAN = {
    "Bulnes urbano": (-72.312, -36.758, -72.274, -36.728),
    "Santa Clara": (-72.355, -36.836, -72.325, -36.818),
    "Tres Esquinas": (-72.220, -36.795, -72.195, -36.785),
}
RURAL = {
    "Larqui": (-72.370, -36.750, 0.025),
    "Sector rural oriente": (-72.250, -36.860, 0.025),
    "Santa Clara (sector rural)": (-72.390, -36.830, 0.025),
    "Tres Esquinas (sector rural)": (-72.180, -36.760, 0.025),
}
COMUNAL = "Comunal"

E, P, G = Project.Kind.STUDY, Project.Kind.PROJECT, Project.Kind.PROGRAM
St = Project.Stage


@dataclass
class Spec:
    """One project of the demo portfolio.

    `route`: the steps after "en formulación" (see STEPS), dated evenly between the
    creation (`age` days ago) and the last step (`last` days ago); with execution, the
    start of works is dated so the project has `duration` days to run. `sources`: the
    main source first ("FRIL+MUNICIPAL" adds a municipal contribution); `first_source`:
    the fund of a first application that was rejected (the route goes back to
    formulación and is postulated again). `pace` of a project in execution: "ok",
    "late" (behind plan), "stale" (no report for weeks) or "stale-late" (both).
    """

    name: str
    kind: str
    stage: str
    route: str
    sources: str
    cost: int
    territory: str
    geo: str = ""  # "p" point, "g" polygon, "" none
    directorate: str = "SECPLA"
    responsible: str = "estudios"
    age: int = 200
    last: int = 30
    duration: int = 240
    pace: str = "ok"
    initiatives: tuple[str, ...] = ()
    first_source: str = ""
    description: str = ""


M = 1_000_000

PROJECTS: list[Spec] = [
    # -- en formulación ----------------------------------------------------------------
    Spec("Construcción de sede social Villa Los Álamos", P, St.PROFILE, FORM, "FRIL", 185 * M,
         "Bulnes urbano", "p", "DIDECO", "enlace.dideco", age=60, initiatives=("OT-08",),
         description="Sede de 120 m² con salón multiuso, cocina y baños accesibles, en el "
         "terreno entregado en comodato a la junta de vecinos."),
    Spec("Reposición de veredas calle Carlos Palacios", P, St.DESIGN, FORM, "PMU", 58 * M,
         "Bulnes urbano", "p", age=45,
         description="Reposición de 850 m² de veredas de hormigón con rebajes universales."),
    Spec("Estudio de prefactibilidad APR Tres Esquinas", E, St.PREFEASIBILITY, FORM, "FNDR",
         210 * M, "Tres Esquinas (sector rural)", "p", age=120, initiatives=("MA-03",),
         description="Alternativas de fuente, conducción y estanque para abastecer con agua "
         "potable rural a 180 familias del sector."),
    Spec("Construcción de cancha de pasto sintético Santa Clara", P, St.IDEA, FORM, "FNDR",
         890 * M, "Santa Clara", "g", age=30,
         description="Idea levantada en el cabildo territorial de Santa Clara."),
    Spec("Mejoramiento de la Escuela Básica de Larqui", P, St.FEASIBILITY, FORM,
         "SECTORIAL+MUNICIPAL", 640 * M, "Larqui", "p", age=150,
         description="Normalización eléctrica, cubierta y servicios higiénicos del "
         "establecimiento rural."),
    Spec("Programa de recuperación de espacios públicos en villas", G, St.IDEA, FORM,
         "MUNICIPAL", 45 * M, "Bulnes urbano", "", "DIDECO", "enlace.dideco", age=20),
    Spec("Construcción del Mercado Campesino de Bulnes", P, St.PROFILE,
         "post adm obs form", "FNDR+MUNICIPAL", 1_350 * M, "Bulnes urbano", "g",
         "SECPLA", "director", age=420, last=90, initiatives=("DE-03",),
         description="Recinto techado para 40 puestos de la agricultura familiar campesina, "
         "con estacionamientos y área de carga."),
    Spec("Extensión de red de alcantarillado sector Larqui Poniente", P, St.PREFEASIBILITY,
         FORM, "PMB", 270 * M, "Larqui", "p", age=240,
         description="Estudio y diseño de la extensión de colectores para 65 viviendas."),
    # -- postulado -----------------------------------------------------------------------
    Spec("Construcción de multicancha techada Población Ramón Vinay", P, St.EXECUTION, POST,
         "FRIL", 298 * M, "Bulnes urbano", "g", age=140, last=25, initiatives=("OT-09",)),
    Spec("Instalación de luminarias LED en sectores rurales", P, St.EXECUTION, POST, "PMU",
         59 * M, "Sector rural oriente", "p", "DIMAO", "", age=90, last=12,
         initiatives=("SE-01",)),
    Spec("Diseño de la reposición del CESFAM de Bulnes", E, St.DESIGN, POST, "FNDR", 480 * M,
         "Bulnes urbano", "p", "SECPLA", "director", age=300, last=40, initiatives=("DS-01",),
         description="Diseño de arquitectura y especialidades del nuevo CESFAM (4.200 m²)."),
    Spec("Mejoramiento de la sede social de Santa Clara", P, St.EXECUTION, POST, "PMU",
         52 * M, "Santa Clara", "p", "DIDECO", "enlace.dideco", age=80, last=18,
         initiatives=("OT-08",)),
    Spec("Conservación de caminos vecinales sector rural oriente", P, St.EXECUTION, POST,
         "C33", 410 * M, "Sector rural oriente", "p", age=110, last=35,
         initiatives=("OT-04",)),
    # -- admisible -----------------------------------------------------------------------
    Spec("Construcción de plaza activa Villa Esperanza", P, St.EXECUTION, ADM, "FRIL",
         165 * M, "Bulnes urbano", "g", age=180, last=20),
    Spec("Construcción del punto limpio comunal", P, St.EXECUTION, ADM, "FNDR", 720 * M,
         "Bulnes urbano", "g", "DIMAO", "", age=260, last=50, initiatives=("MA-06",)),
    Spec("Reposición de veredas de Santa Clara, calle principal", P, St.EXECUTION, ADM,
         "FRIL", 240 * M, "Santa Clara", "p", age=150, last=15),
    Spec("Habilitación de pozo profundo APR Larqui", P, St.EXECUTION, ADM, "PMB", 145 * M,
         "Larqui", "p", age=200, last=60),
    # -- con observaciones ------------------------------------------------------------------
    Spec("Construcción de ciclovía Bulnes – Santa Clara", P, St.DESIGN, OBS, "FNDR",
         1_980 * M, "Santa Clara (sector rural)", "p", "DTT", "", age=380, last=30,
         initiatives=("OT-05",),
         description="Diseño de 11 km de ciclovía bidireccional segregada junto a la ruta "
         "entre Bulnes y Santa Clara."),
    Spec("Mejoramiento del APR de Santa Clara", P, St.EXECUTION, OBS, "SECTORIAL",
         960 * M, "Santa Clara", "p", age=330, last=22, initiatives=("MA-01",)),
    Spec("Construcción de sede social y multicancha Tres Esquinas", P, St.EXECUTION,
         "post obs", "FRIL", 310 * M, "Tres Esquinas", "g", "DIDECO", "enlace.dideco",
         age=160, last=10, initiatives=("OT-08", "OT-09")),
    Spec("Estudio plan maestro de aguas lluvias de Bulnes", E, St.PREFEASIBILITY, OBS,
         "SECTORIAL", 380 * M, "Bulnes urbano", "", "SECPLA", "urbanista", age=290, last=45),
    Spec("Reposición de la Posta de Salud Rural de Larqui", P, St.DESIGN, OBS, "FNDR",
         230 * M, "Larqui", "p", age=250, last=28),
    # -- recomendado (RS) ----------------------------------------------------------------
    Spec("Pavimentación participativa Pasaje Los Aromos y Las Acacias", P, St.EXECUTION,
         REC, "SECTORIAL+MUNICIPAL", 410 * M, "Bulnes urbano", "p", "SECPLA", "estudios",
         age=310, last=35, initiatives=("OT-03",),
         description="Llamado del Programa de Pavimentación Participativa (MINVU) con aporte "
         "de vecinos y municipio."),
    Spec("Recambio de luminarias a tecnología LED en Bulnes urbano", P, St.EXECUTION,
         REC_OBS, "FNDR", 1_240 * M, "Bulnes urbano", "", age=420, last=20,
         initiatives=("SE-01",),
         description="Reemplazo de 2.300 luminarias de sodio por LED con telegestión."),
    Spec("Construcción del Centro Diurno del Adulto Mayor", P, St.DESIGN, REC, "FNDR",
         190 * M, "Bulnes urbano", "p", "DIDECO", "enlace.dideco", age=360, last=60,
         initiatives=("DS-05",)),
    Spec("Construcción de refugios peatonales en rutas rurales", P, St.EXECUTION, REC_DIRECT,
         "PMU", 38 * M, "Tres Esquinas (sector rural)", "p", "DTT", "", age=100, last=15),
    Spec("Programa de tecnificación del riego para pequeños agricultores", G,
         St.FEASIBILITY, REC_OBS, "FNDR", 520 * M, COMUNAL, "", age=400, last=50,
         initiatives=("DE-02",)),
    # -- financiado ------------------------------------------------------------------------
    Spec("Mejoramiento de la Plaza de Santa Clara", P, St.EXECUTION, FIN, "FRIL", 275 * M,
         "Santa Clara", "g", age=330, last=20),
    Spec("Construcción de sede social Villa Las Rosas", P, St.EXECUTION, FIN_DIRECT, "PMU",
         59 * M, "Bulnes urbano", "p", "DIDECO", "enlace.dideco", age=150, last=10,
         initiatives=("OT-08",)),
    Spec("Actualización del Plan Regulador Comunal de Bulnes", E, St.EXECUTION, FIN,
         "SECTORIAL+MUNICIPAL", 310 * M, COMUNAL, "", "SECPLA", "urbanista", age=540,
         last=25, initiatives=("OT-01",),
         description="Estudio de actualización del PRC (Bulnes, Santa Clara y Tres "
         "Esquinas), con evaluación ambiental estratégica y consulta pública."),
    Spec("Construcción de casetas sanitarias sector Larqui Oriente", P, St.EXECUTION,
         FIN_DIRECT, "PMB", 680 * M, "Larqui", "p", age=480, last=40),
    Spec("Adquisición de camión aljibe para abastecimiento rural", P, St.EXECUTION,
         FIN, "C33", 145 * M, COMUNAL, "", "DIMAO", "", age=260, last=30),
    # -- en licitación ---------------------------------------------------------------------
    Spec("Construcción de multicancha Villa Don Francisco", P, St.EXECUTION, LIC, "FRIL",
         190 * M, "Bulnes urbano", "g", age=360, last=12, initiatives=("OT-09",)),
    Spec("Reposición de veredas del centro de Bulnes, etapa II", P, St.EXECUTION,
         LIC_DIRECT, "PMU", 57 * M, "Bulnes urbano", "p", age=200, last=20),
    Spec("Plan Seccional de Santa Clara", E, St.EXECUTION, LIC, "FNDR", 160 * M,
         "Santa Clara", "", "SECPLA", "urbanista", age=450, last=15, initiatives=("OT-02",)),
    Spec("Construcción de cierre perimetral Escuela de Santa Clara",
         P, St.EXECUTION, f"{FIN} lic fin lic", "FRIL", 120 * M, "Santa Clara", "p",
         age=420, last=8,
         description="La primera licitación se declaró desierta; se publicó nuevamente."),
    # -- adjudicado ----------------------------------------------------------------------
    Spec("Construcción de plaza de juegos inclusiva Población Bulnes Norte", P,
         St.EXECUTION, ADJ, "FRIL", 210 * M, "Bulnes urbano", "g", age=390, last=10),
    Spec("Normalización eléctrica del Liceo de Bulnes", P, St.EXECUTION, ADJ_DIRECT, "PMU",
         48 * M, "Bulnes urbano", "p", age=220, last=14),
    Spec("Sistema de cámaras de televigilancia en el centro de Bulnes", P, St.EXECUTION,
         ADJ, "FNDR", 380 * M, "Bulnes urbano", "p", "DTT", "", age=500, last=7,
         initiatives=("SE-02",)),
    # -- en ejecución --------------------------------------------------------------------
    Spec("Mejoramiento de la Plaza de Armas de Bulnes", P, St.EXECUTION, EJE,
         "FNDR+MUNICIPAL", 245 * M, "Bulnes urbano", "g", "SECPLA", "director", age=820,
         last=270, duration=330, pace="ok", initiatives=("OT-07",),
         description="Renovación de pavimentos, iluminación, mobiliario y áreas verdes de "
         "la Plaza de Armas; convenio de transferencia con el GORE."),
    Spec("Mejoramiento de la Posta de Salud Rural de Tres Esquinas", P, St.EXECUTION, EJE,
         "FNDR", 420 * M, "Tres Esquinas", "p", age=760, last=200, duration=300,
         pace="late", initiatives=("DS-02",)),
    Spec("Pavimentación participativa calles de Bulnes urbano, llamado 33", P,
         St.EXECUTION, EJE, "SECTORIAL+MUNICIPAL", 690 * M, "Bulnes urbano", "p",
         age=700, last=150, duration=270, pace="ok", initiatives=("OT-03",)),
    Spec("Construcción de sede social Villa El Bosque", P, St.EXECUTION, EJE_DIRECT, "PMU",
         59 * M, "Bulnes urbano", "p", "DIDECO", "enlace.dideco", age=330, last=110,
         duration=150, pace="stale", initiatives=("OT-08",)),
    Spec("Alcantarillado y planta de tratamiento de aguas servidas de Santa Clara", P,
         St.EXECUTION, EJE, "FNDR+SECTORIAL", 5_600 * M, "Santa Clara", "p",
         "SECPLA", "director", age=1_300, last=380, duration=720, pace="late",
         initiatives=("OT-06",),
         description="Red de colectores, 420 uniones domiciliarias y planta de tratamiento "
         "con descarga al estero."),
    Spec("Mejoramiento de multicanchas barriales, paquete 1", P, St.EXECUTION, EJE, "FRIL",
         260 * M, "Bulnes urbano", "g", age=540, last=90, duration=180, pace="stale-late",
         initiatives=("OT-09",)),
    Spec("Conservación de la Escuela Básica Santa Clara", P, St.EXECUTION, EJE, "C33",
         530 * M, "Santa Clara", "p", age=620, last=120, duration=240, pace="ok"),
    Spec("Programa de puntos verdes de reciclaje en los barrios", G, St.EXECUTION,
         EJE_PROGRAM, "SECTORIAL+MUNICIPAL", 95 * M, COMUNAL, "", "DIDECO",
         "enlace.dideco", age=400, last=160, duration=365, pace="late",
         initiatives=("MA-05",)),
    Spec("Restauración de la Casa de la Cultura de Bulnes", P, St.EXECUTION, EJE,
         "FNDR+MUNICIPAL", 1_150 * M, "Bulnes urbano", "p", age=900, last=210,
         duration=420, pace="stale", initiatives=("SE-07",)),
    Spec("Construcción de veredas y ciclobanda Avenida Bernardo O'Higgins", P,
         St.EXECUTION, EJE_DIRECT, "PMU", 59 * M, "Bulnes urbano", "p", "DOM", "", age=260,
         last=60, duration=120, pace="ok"),
    # -- terminado -----------------------------------------------------------------------
    Spec("Construcción de sede social Población Santa Rosa", P, St.OPERATION, TER_DIRECT,
         "PMU", 55 * M, "Bulnes urbano", "p", "DIDECO", "enlace.dideco", age=780, last=150,
         duration=150),
    Spec("Reposición de la multicancha de Tres Esquinas", P, St.OPERATION, TER, "FRIL",
         230 * M, "Tres Esquinas", "g", age=1_100, last=300, duration=200),
    Spec("Mejoramiento del Estadio Municipal de Bulnes, camarines", P, St.OPERATION, TER,
         "FNDR+MUNICIPAL", 890 * M, "Bulnes urbano", "g", age=1_400, last=420,
         duration=360),
    Spec("Instalación de luminarias LED en Santa Clara", P, St.OPERATION, TER_DIRECT, "PMU",
         49 * M, "Santa Clara", "p", "DIMAO", "", age=900, last=500, duration=90,
         initiatives=("SE-01",)),
    Spec("Estudio de diagnóstico de caminos rurales de la comuna", E, St.EXECUTION, TER,
         "C33", 95 * M, COMUNAL, "", age=1_000, last=380, duration=180),
    Spec("Programa de arborización urbana con especies nativas, etapa I", G, St.OPERATION,
         f"{EJE_PROGRAM} ter", "SECTORIAL", 72 * M, "Bulnes urbano", "", "DIDECO",
         "enlace.dideco", age=800, last=200, duration=240, initiatives=("MA-08",)),
    Spec("Reposición del puente peatonal sobre el estero Larqui", P, St.OPERATION, TER,
         "FRIL", 180 * M, "Larqui", "p", "DOM", "", age=1_200, last=560, duration=160),
    # -- desistido -----------------------------------------------------------------------
    Spec("Construcción de piscina municipal temperada", P, St.PROFILE, "des", "FNDR",
         2_900 * M, "Bulnes urbano", "p", age=700, last=500,
         description="Se desistió por costos de operación que el municipio no puede "
         "financiar."),
    Spec("Construcción de terminal de buses rurales", P, St.PREFEASIBILITY, "post obs des",
         "FNDR", 1_600 * M, "Bulnes urbano", "p", "DTT", "", age=800, last=240),
    Spec("Ampliación de la sede social de Larqui", P, St.EXECUTION, "post adm obs des",
         "FRIL", 150 * M, "Larqui", "p", "DIDECO", "enlace.dideco", age=500, last=300),
    Spec("Mejoramiento del gimnasio municipal", P, St.DESIGN, "post des", "PMU", 58 * M,
         "Bulnes urbano", "p", age=420, last=330),
    # -- a project postulated twice: rejected by one fund, taken to another ------------------
    Spec("Construcción de plaza y juegos infantiles en Tres Esquinas", P, St.EXECUTION,
         "post adm obs form post rec fin", "PMU", 59 * M, "Tres Esquinas", "g",
         age=560, last=30, first_source="FRIL",
         description="Rechazado en el FRIL por falta de acreditación del terreno; "
         "reformulado y financiado por el PMU."),
]  # fmt: skip

# Observations a fund sends and the municipality's replies, in pairs.
OBSERVATIONS = [
    (
        "FI: falta certificado de factibilidad de agua potable y alcantarillado emitido "
        "por la sanitaria.",
        "Se adjunta el certificado de factibilidad vigente emitido por la sanitaria.",
    ),
    (
        "FI: el presupuesto no incluye análisis de precios unitarios de las partidas principales.",
        "Se incorporan los análisis de precios unitarios y se corrige la partida de pavimentos.",
    ),
    (
        "FI: no se acredita la propiedad del terreno (inscripción en el Conservador de "
        "Bienes Raíces).",
        "Se adjunta la inscripción de dominio a nombre de la municipalidad y el certificado "
        "de hipotecas y gravámenes.",
    ),
    (
        "FI: falta el compromiso de costos de operación y mantención firmado por el alcalde.",
        "Se adjunta el certificado de compromiso de operación y mantención y el acuerdo del "
        "Concejo.",
    ),
    (
        "FI: las especificaciones técnicas no coinciden con los planos de arquitectura.",
        "Se actualizan las especificaciones técnicas y los planos; se adjunta un cuadro de "
        "cambios.",
    ),
]
EVALUATORS = {
    "FNDR": "MDSF (SEREMI de Desarrollo Social y Familia de Ñuble)",
    "SECTORIAL": "MDSF (SEREMI de Desarrollo Social y Familia de Ñuble)",
    "FRIL": "GORE Ñuble (División de Presupuesto e Inversión Regional)",
    "C33": "GORE Ñuble (División de Presupuesto e Inversión Regional)",
}
CALLS = {
    "FNDR": "FNDR {year}, proceso presupuestario",
    "FRIL": "FRIL {year}, proceso regular",
    "C33": "Circular 33 {year}",
    "PMU": "PMU {year}, línea tradicional",
    "PMB": "PMB {year}, línea saneamiento sanitario",
    "SECTORIAL": "Programa sectorial {year}",
    "MUNICIPAL": "Presupuesto municipal {year}",
}
SCHEDULES = {
    P: [
        ("Entrega de terreno", 0.0, 0),
        ("Obras preliminares y fundaciones", 0.3, 25),
        ("Obra gruesa", 0.6, 60),
        ("Terminaciones", 0.85, 90),
        ("Recepción provisoria", 1.0, 100),
    ],
    E: [
        ("Inicio del estudio", 0.0, 0),
        ("Etapa 1: diagnóstico", 0.3, 30),
        ("Etapa 2: alternativas y propuesta", 0.7, 70),
        ("Informe final aprobado", 1.0, 100),
    ],
    G: [
        ("Inicio de actividades", 0.0, 0),
        ("Primer informe de gestión", 0.35, 30),
        ("Segundo informe de gestión", 0.7, 65),
        ("Informe final y cierre", 1.0, 100),
    ],
}
REPORT_COMMENTS = {
    "ok": [
        "Avance conforme a la programación, según la inspección técnica.",
        "Trabajos avanzan sin observaciones de la inspección técnica.",
        "Avance según lo programado; se adjuntan fotografías.",
    ],
    "late": [
        "Atraso por lluvias; el contratista presenta un plan de recuperación.",
        "Atraso por falta de cuadrillas; se oficia al contratista.",
        "Se reprograman partidas por demora en la llegada de materiales.",
    ],
}
ONE_DECIMAL = Decimal("0.1")
EXECUTING_OR_LATER = {"eje", "ter"}
FUNDED_OR_LATER = {"fin", "lic", "adj", "eje", "ter"}


def bip_code(index: int) -> str:
    """A synthetic BIP code: 4009…, with a made-up check digit (format only)."""
    body = f"4009{1000 + index * 37:04d}"
    return f"{body}-{sum(int(c) for c in body) % 10}"


class _Loader:
    def __init__(self, today: dt.date):
        # Nothing of the portfolio may be dated in the future.
        self.today = min(today, timezone.localdate())
        self.created = 0
        self.users: dict[str, User] = {}
        self.directorates = {d.code: d for d in Directorate.objects.all()}
        self.sources = {s.code: s for s in FundingSource.objects.all()}
        municipality = Municipality.current()
        if municipality is None or not municipality.boundary:
            raise RuntimeError(
                "La municipalidad de demostración no tiene límite comunal: cargue primero "
                "la municipalidad de demostración (secpla load_demo)."
            )
        from shapely.geometry import shape

        self.boundary = shape(municipality.boundary)
        self.initiatives = self._initiatives()

    @staticmethod
    def _initiatives() -> dict:
        from secpla.planning.models import Initiative

        return {
            i.code: i
            for i in Initiative.objects.filter(plan__status="vigente").order_by("plan_id", "pk")
        }

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

    def directorate(self, code: str) -> Directorate:
        try:
            return self.directorates[code]
        except KeyError as exc:
            raise RuntimeError(
                f"Falta la dirección de demostración «{code}»: cargue primero la "
                "municipalidad de demostración (secpla load_demo)."
            ) from exc

    def source(self, code: str) -> FundingSource:
        try:
            return self.sources[code]
        except KeyError as exc:
            raise RuntimeError(
                f"Falta la fuente de financiamiento «{code}» en el catálogo."
            ) from exc

    def create(self, instance, actor: str = "estudios"):
        core_services.record_create(actor=self.user(actor), instance=instance, reason=REASON)
        self.created += 1
        return instance

    def days_ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    # -- locations -----------------------------------------------------------------

    def location(self, spec: Spec) -> dict | None:
        """A point or a small polygon inside the comuna, the same on every run."""
        if not spec.geo or spec.territory == COMUNAL:
            return None
        from shapely.geometry import Point, box

        rng = random.Random(f"{SEED}:{spec.name}")  # noqa: S311 (not for security)
        for _ in range(200):
            if spec.territory in URBAN:
                minx, miny, maxx, maxy = URBAN[spec.territory]
                x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
            else:
                cx, cy, radius = RURAL[spec.territory]
                x, y = cx + rng.uniform(-radius, radius), cy + rng.uniform(-radius, radius)
            x, y = round(x, 5), round(y, 5)
            if spec.geo == "g":
                # About 70 × 45 m: a plaza, a multicancha or a building's lot.
                geom = box(x, y, round(x + 0.0008, 5), round(y + 0.0004, 5))
                if self.boundary.covers(geom):
                    return {
                        "type": "Polygon",
                        "coordinates": [list(map(list, geom.exterior.coords))],
                    }
            elif self.boundary.covers(Point(x, y)):
                return {"type": "Point", "coordinates": [x, y]}
        raise RuntimeError(f"No se encontró una ubicación dentro de la comuna para «{spec.name}».")

    # -- one project ---------------------------------------------------------------------

    def load(self) -> None:
        for index, spec in enumerate(PROJECTS, start=1):
            self.load_project(index, spec)

    def code(self, index: int, spec: Spec) -> str:
        return f"PRY-{self.days_ago(spec.age).year}-{index:03d}"

    def load_project(self, index: int, spec: Spec) -> None:
        steps = spec.route.split()
        sources = spec.sources.split("+")
        has_bip = bool(steps) and sources[0] in EVALUATORS
        bip = bip_code(index) if has_bip else None
        code = self.code(index, spec)
        taken = Q(code=code) | Q(name=spec.name)
        if bip:
            taken |= Q(bip_code=bip)
        if Project.objects.filter(taken).exists():
            return
        dates = self.step_dates(spec, steps)
        created_on = self.days_ago(spec.age)
        project = Project(
            code=code,
            name=spec.name,
            description=spec.description,
            kind=spec.kind,
            bip_code=bip,
            stage=spec.stage,
            directorate=self.directorate(spec.directorate),
            responsible=self.user(spec.responsible) if spec.responsible else None,
            estimated_cost=spec.cost,
            territory=spec.territory,
            location=self.location(spec),
        )
        extra = {"date": created_on} if DATED_TIMELINES else {}
        project = services.project_create(
            actor=self.user("estudios"),
            project=project,
            reason=REASON,
            comment="Idea registrada en la cartera de inversiones.",
            **extra,
        )
        self.created += 1
        for step, date in zip(steps, dates, strict=True):
            actor = "estudios" if step in {"post", "adm", "obs", "rec", "form"} else "director"
            if project.status_since and date < project.status_since:
                date = project.status_since  # only without dated timelines
            project = services.project_transition(
                actor=self.user(actor),
                project=project,
                to_status=STEPS[step],
                date=date,
                comment=STEP_COMMENTS[step],
            )
        self.load_funding(project, spec, steps, dates, sources)
        self.load_applications(project, spec, steps, dates, sources, index)
        if "eje" in steps or "adj" in steps:
            self.load_progress(project, spec, steps, dates, sources[0])
        if spec.initiatives:
            found = [self.initiatives[c] for c in spec.initiatives if c in self.initiatives]
            if found:
                core_services.record_set_links(
                    actor=self.user("director"),
                    instance=project,
                    field="initiatives",
                    values=found,
                    reason=REASON,
                )

    def step_dates(self, spec: Spec, steps: list[str]) -> list[dt.date]:
        """Dates of the steps: evenly spaced up to the start of works (or the last step);
        a finished project ran for a tenth more than planned."""
        start = self.days_ago(spec.age)
        end = self.days_ago(spec.last)
        if not steps:
            return []
        if "eje" in steps and steps[-1] != "eje":
            ran = int(spec.duration * 1.1)
            anchor = steps.index("eje")
            before = self.spread(start, end - dt.timedelta(days=ran), anchor + 1)
            after = self.spread(before[-1], end, len(steps) - anchor - 1)
            return before + after
        return self.spread(start, end, len(steps))

    @staticmethod
    def spread(start: dt.date, end: dt.date, count: int) -> list[dt.date]:
        if count <= 0:
            return []
        span = max((end - start).days, count)
        return [start + dt.timedelta(days=round(span * (k + 1) / count)) for k in range(count)]

    # -- money ---------------------------------------------------------------------------

    def load_funding(self, project, spec, steps, dates, sources) -> None:
        """Amounts per source and year: a municipal or second source adds 8 %; works run
        over two years from the year the money was approved."""
        confirmed = bool(FUNDED_OR_LATER & set(steps)) and (not steps or steps[-1] != "des")
        if "fin" in steps:
            first_year = dates[steps.index("fin")].year
        elif steps and steps[-1] == "des":
            first_year = dates[-1].year
        else:
            first_year = self.today.year + 1
        main = spec.cost if len(sources) == 1 else round(spec.cost * 0.92, -3)
        shares = {sources[0]: main}
        for extra in sources[1:]:
            shares[extra] = spec.cost - main
        years = [first_year] if spec.cost < 300 * M else [first_year, first_year + 1]
        for code, amount in shares.items():
            split = [round(amount * 0.6, -3), amount - round(amount * 0.6, -3)]
            parts = [amount] if len(years) == 1 else split
            for year, part in zip(years, parts, strict=True):
                self.create(
                    FundingLine(
                        project=project,
                        source=self.source(code),
                        year=year,
                        amount=int(part),
                        is_confirmed=confirmed,
                    )
                )

    def load_applications(self, project, spec, steps, dates, sources, index) -> None:
        """One application per submission after formulación (a submission after
        observations is the reply to them), saved once with its outcome; RATE results
        where the fund gives one."""
        applications: list[tuple[FundingApplication, list[ApplicationNote]]] = []
        note = index % len(OBSERVATIONS)
        source_code = spec.first_source or sources[0]
        previous = "form"
        for step, date in zip(steps, dates, strict=True):
            if step == "post" and previous == "form":
                if applications:
                    source_code = sources[0]
                application = FundingApplication(
                    project=project,
                    source=self.source(source_code),
                    call=CALLS[source_code].format(year=date.year),
                    submitted_on=date,
                    amount_requested=spec.cost
                    if len(sources) == 1
                    else int(round(spec.cost * 0.92, -3)),
                )
                applications.append((application, []))
            elif applications:
                application, notes = applications[-1]
                self.application_step(application, notes, step, date, previous, note)
                if step == "obs":
                    note = (note + 1) % len(OBSERVATIONS)
            if source_code in EVALUATORS and step in {"obs", "rec"}:
                if step == "obs":
                    result = RateResult.Result.FI
                    if steps[-1] == "des" or "form" in steps[steps.index("obs") :]:
                        result = RateResult.Result.OT
                else:
                    result = RateResult.Result.RF if spec.kind == G else RateResult.Result.RS
                self.create(
                    RateResult(
                        project=project,
                        date=date,
                        result=result,
                        year=date.year if date.month < 7 else date.year + 1,
                        evaluator=EVALUATORS[source_code],
                        observations=OBSERVATIONS[note - 1][0] if step == "obs" else "",
                    )
                )
            previous = step
        for application, notes in applications:
            self.create(application)
            for item in notes:
                item.application = application
                self.create(item)

    @staticmethod
    def application_step(application, notes, step, date, previous, note) -> None:
        """What a step of the workflow does to the application under way."""
        A = FundingApplication.Result
        if step == "obs":
            notes.append(
                ApplicationNote(
                    kind=ApplicationNote.Kind.OBSERVATION, date=date, text=OBSERVATIONS[note][0]
                )
            )
        elif previous == "obs" and step in {"post", "rec"}:
            notes.append(
                ApplicationNote(
                    kind=ApplicationNote.Kind.REPLY,
                    date=max(application.submitted_on, date - dt.timedelta(days=3)),
                    text=OBSERVATIONS[(note - 1) % len(OBSERVATIONS)][1],
                )
            )
        outcome = {
            "obs": A.OBSERVED,
            "adm": A.ADMISSIBLE,
            "rec": A.ADMISSIBLE,
            "fin": A.APPROVED,
            "form": A.REJECTED,
            "des": A.WITHDRAWN,
        }.get(step)
        if outcome is None or application.result == A.APPROVED:
            return  # a second tender does not touch the approved application
        application.result, application.result_date = outcome, date
        if outcome == A.APPROVED:
            application.amount_granted = application.amount_requested

    # -- progress ------------------------------------------------------------------------

    def load_progress(self, project, spec, steps, dates, source_code) -> None:
        """Milestones from the start of works; reports and payments up to today (or
        the reception) following the plan, behind it ("late") or stopping weeks ago
        ("stale")."""
        # An awarded project's works start about three weeks after the award.
        start = dates[steps.index("eje")] if "eje" in steps else dates[-1] + dt.timedelta(days=21)
        plan = [
            (name, start + dt.timedelta(days=round(spec.duration * share)), Decimal(percent))
            for name, share, percent in SCHEDULES[spec.kind]
        ]
        contract = int(round(spec.cost * 0.95, -3))
        finished = steps[-1] == "ter"
        end = dates[-1] if finished else None
        reports = []
        if "eje" in steps:
            reports = self.report_points(spec, start, plan, end)
        for name, date, percent in plan:
            reached = next((d for d, p in reports if p >= percent), None)
            if percent == 0 and "eje" in steps:
                reached = start
            self.create(
                Milestone(
                    project=project,
                    name=name,
                    planned_date=date,
                    planned_percent=percent,
                    planned_amount=int(round(contract * percent / 100, -3)),
                    actual_date=reached,
                )
            )
        reporter = "enlace.dideco" if spec.directorate == "DIDECO" else "estudios"
        comments = REPORT_COMMENTS["late" if spec.pace == "late" else "ok"]
        paid = 0
        source = self.source(source_code)
        for k, (date, percent) in enumerate(reports):
            comment = comments[k % len(comments)]
            if percent == 100:
                comment = "Obras terminadas; recepción provisoria."
            self.create(
                ProgressReport(project=project, date=date, percent=percent, comment=comment),
                actor=reporter,
            )
            due = int(round(contract * percent / 100, -3))
            if (k % 2 == 1 or percent == 100) and due > paid:
                self.create(
                    Payment(
                        project=project,
                        date=date,
                        amount=due - paid,
                        source=source,
                        description=f"Estado de pago N° {k // 2 + 1}",
                    ),
                    actor="presupuesto",
                )
                paid = due

    def report_points(self, spec, start, plan, end) -> list[tuple[dt.date, Decimal]]:
        """Monthly cumulative reports up to nine days ago, or to the reception (100 %)
        of a finished project. "ok" runs a little ahead of plan; "late" at 60 % of it;
        "stale" stopped reporting seven weeks ago after running ahead, so it is only
        "sin reporte"; "stale-late" is both behind and silent."""
        if end is not None:
            last = end
        elif spec.pace.startswith("stale"):
            last = self.today - dt.timedelta(days=50)
        else:
            last = self.today - dt.timedelta(days=9)
        stretch = 1.1 if end is not None else 1.0
        factor = Decimal("0.6") if spec.pace in ("late", "stale-late") else Decimal(1)
        lead = {"ok": 10, "stale": 55}.get(spec.pace, 0) if end is None else 0
        dates = []
        date = start + dt.timedelta(days=30)
        while date < last:
            dates.append(date)
            date += dt.timedelta(days=30)
        if end is None and (not dates or dates[-1] != last):
            dates.append(last)
        points, value = [], Decimal(0)
        for date in dates:
            elapsed = (date - start).days / stretch + lead
            planned = self.planned(plan, start + dt.timedelta(days=round(elapsed)))
            value = max(value, (planned * factor).quantize(ONE_DECIMAL, ROUND_HALF_UP))
            points.append((date, min(value, Decimal(99))))
        if end is not None:
            points.append((end, Decimal(100)))
        return points

    @staticmethod
    def planned(plan, on: dt.date) -> Decimal:
        """Linear between milestones, as projects.selectors.planned_percent."""
        previous_date, previous_value = None, Decimal(0)
        for _name, date, percent in plan:
            if on < date:
                if previous_date is None:
                    return Decimal(0)
                share = Decimal((on - previous_date).days) / Decimal((date - previous_date).days)
                return previous_value + (percent - previous_value) * share
            previous_date, previous_value = date, percent
        return previous_value


def load(stdout=None, today: dt.date | None = None) -> None:
    """Create the demo portfolio if missing.

    Needs core's demo (directorates, users, boundary) loaded first, and links to the
    planning demo's initiatives when there is a current plan. Loading twice writes
    nothing: no rows, no change-log entries, no timeline steps.
    """
    loader = _Loader(today or timezone.localdate())
    with transaction.atomic(), audit_context(reason=REASON, source="demo"):
        loader.load()
    if stdout is not None:
        stdout.write(f"Cartera de proyectos de demostración: {loader.created} registros nuevos.")
