"""The demo municipality's OIRS: a catalogue routed to Bulnes' demo directorates and about
forty requests of the last months, in every status.

Every request goes in through `services.request_create` as staff would register it (web,
presencial or teléfono) and moves through the workflow services on behalf of a demo user
(the DIDECO liaison for DIDECO's requests, the Director SECPLA for the rest). The services
stamp each step with the current time, so the loader then dates the timeline, the answer
and the closing back to fixed days relative to the `today` it receives. The people are
fictitious (names ending in «Demo», RUTs built with a valid check digit, phones of the
+56 9 0000 series) and give no e-mail: a status change would e-mail them. The
municipality is flagged `is_demo`, so every screen says so. A request whose description
is already there is left as it is, so a second run writes nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from stdnum.cl import rut as rut_number

from secpla.citizen_requests import services
from secpla.citizen_requests.models import Category, Request, RequestEvent
from secpla.core import services as core_services
from secpla.core.audit import audit_context
from secpla.core.models import Directorate, Municipality, User

REASON = "Datos de demostración"
SEED = "secpla-demo-oirs"
URBAN_BOX = (-72.312, -36.758, -72.274, -36.728)  # Bulnes urbano (as the projects demo)

# code, name, directorate, answer days (None: the default in force), group, guidance
CATEGORIES = [
    ("alumbrado-publico", "Alumbrado público", "DOM", 10, "Espacio público",
     "Indique el poste o la esquina más cercana y, si puede, márquelo en el mapa."),
    ("baches-veredas", "Baches y veredas", "DOM", 20, "Espacio público",
     "Indique la calle y el número más cercano; una foto ayuda a evaluar el daño."),
    ("areas-verdes", "Áreas verdes y arbolado", "DIMAO", 15, "Medio ambiente",
     "Para poda o riesgo de caída de árboles, indique la dirección exacta."),
    ("microbasurales", "Microbasurales y aseo", "DIMAO", 10, "Medio ambiente",
     "Marque el lugar en el mapa; no se requiere identificar a quien bota la basura."),
    ("senaletica-transito", "Señalética y tránsito", "DTT", 15, "Espacio público",
     "Indique el cruce o la calle y qué señal falta o está dañada."),
    ("ayudas-sociales", "Ayudas sociales", "DIDECO", 15, "Apoyo social",
     "Describa la situación del hogar; la asistente social le contactará por teléfono."),
    ("organizaciones-comunitarias", "Organizaciones comunitarias", "DIDECO", 20,
     "Apoyo social", "Indique el nombre de la organización y su número de registro, si lo "
     "tiene."),
    ("patentes", "Patentes municipales", "DAF", 10, "Trámites",
     "Indique el rubro y la dirección del local; no adjunte documentos de identidad."),
    ("consultas-generales", "Consultas generales", "SECPLA", None, "Trámites",
     "Para todo lo que no calce en otra categoría; la OIRS la deriva a quien corresponda."),
]  # fmt: skip

# Fictitious people: (first name, last name). Names end in «Demo» like the other demos.
PEOPLE = [
    ("Ana María", "Soto Demo"), ("Luis", "Henríquez Demo"), ("Rosa", "Cifuentes Demo"),
    ("Pedro", "Alarcón Demo"), ("Carmen", "Navarrete Demo"), ("Jorge", "Sepúlveda Demo"),
    ("Elena", "Bustos Demo"), ("Manuel", "Jara Demo"), ("Teresa", "Ulloa Demo"),
    ("Héctor", "Poblete Demo"), ("Gloria", "Villagra Demo"), ("Raúl", "Medina Demo"),
]  # fmt: skip

W, P, T = Request.Channel.WEB, Request.Channel.IN_PERSON, Request.Channel.PHONE
K = Request.Kind


@dataclass(frozen=True)
class Spec:
    """One demo request. `age`: days before `today` it was received. `steps`: actions with
    their day counted from the receipt, e.g. "start:2 answer:6 close:9"; "derive:1:DOM"
    names the target directorate and "merge:2:<key>" the original. `where`: "p" a map
    point in Bulnes urbano, "a" an address only, "" neither. `who`: an index in PEOPLE,
    or None for an anonymous request."""

    key: str
    category: str
    kind: str
    channel: str
    age: int
    steps: str
    description: str
    where: str = "p"
    address: str = ""
    who: int | None = None


SPECS = [
    # -- answered on time and closed ---------------------------------------------------------
    Spec("lum-01", "alumbrado-publico", K.REQUEST, W, 150, "start:2 answer:6 close:9",
         "Tres luminarias apagadas en calle Carlos Palacios entre Manuel Montt y Bulnes "
         "(demo).", who=0),
    Spec("bac-01", "baches-veredas", K.COMPLAINT, P, 140, "start:3 answer:12 close:16",
         "Bache profundo frente al consultorio; ya reventó dos neumáticos (demo).",
         address="Avenida Arturo Prat frente al CESFAM", who=1),
    Spec("ave-01", "areas-verdes", K.REQUEST, T, 132, "start:1 answer:8 close:12",
         "Poda de aromo que toca el tendido eléctrico en la plaza de la población (demo).",
         who=2),
    Spec("soc-01", "ayudas-sociales", K.REQUEST, P, 125,
         "assign:1 start:2 answer:9 close:13",
         "Solicita apoyo con leña para el invierno, adulta mayor que vive sola (demo).",
         where="a", address="Villa Los Álamos, pasaje 3", who=3),
    Spec("pat-01", "patentes", K.QUESTION, W, 118, "answer:3 close:6",
         "Qué documentos se piden para la patente de un almacén de barrio (demo).",
         where="", who=4),
    Spec("gen-01", "consultas-generales", K.QUESTION, W, 110, "assign:1 answer:5 close:8",
         "Cuándo se publica la cartera de proyectos de inversión del próximo año (demo).",
         where="", who=5),
    Spec("fel-01", "areas-verdes", K.COMPLIMENT, W, 96, "answer:4 close:5",
         "Felicitaciones al equipo que recuperó la plazoleta de la villa (demo).",
         who=None),
    Spec("mic-01", "microbasurales", K.COMPLAINT, W, 88, "start:1 answer:7 close:10",
         "Microbasural en el sitio eriazo junto a la línea férrea (demo).", who=6),
    Spec("sen-01", "senaletica-transito", K.REQUEST, T, 80, "start:4 answer:11 close:15",
         "Falta el disco PARE en el cruce de la salida a Santa Clara (demo).",
         where="a", address="Cruce camino a Santa Clara con calle Los Carrera", who=7),
    Spec("org-01", "organizaciones-comunitarias", K.QUESTION, P, 74,
         "assign:2 answer:10 close:14",
         "Cómo renovar el directorio de la junta de vecinos ante la municipalidad (demo).",
         where="", who=8),
    # -- answered on time, not yet closed ------------------------------------------------------
    Spec("lum-02", "alumbrado-publico", K.REQUEST, W, 20, "start:1 answer:5",
         "Luminaria intermitente en pasaje sin salida de la villa (demo).", who=9),
    Spec("soc-02", "ayudas-sociales", K.QUESTION, T, 16, "assign:1 answer:4",
         "Consulta por la postulación al subsidio de agua potable (demo).",
         where="", who=10),
    Spec("sug-01", "consultas-generales", K.SUGGESTION, W, 14, "answer:6",
         "Sugiere publicar los horarios de atención de cada dirección en la web (demo).",
         where="", who=None),
    # -- answered late ---------------------------------------------------------------------------
    Spec("bac-02", "baches-veredas", K.COMPLAINT, W, 120, "start:10 answer:45 close:50",
         "Vereda levantada por raíces, peligrosa para personas mayores (demo).", who=11),
    Spec("mic-02", "microbasurales", K.COMPLAINT, T, 100, "start:5 answer:35 close:40",
         "Acumulación de escombros en el acceso al estero (demo).",
         where="a", address="Final de calle Aníbal Pinto", who=0),
    Spec("soc-03", "ayudas-sociales", K.COMPLAINT, P, 90, "assign:3 start:8 answer:38",
         "Reclama por la demora en la visita de la asistente social (demo).",
         where="", who=1),
    Spec("pat-02", "patentes", K.COMPLAINT, W, 70, "answer:30 close:33",
         "Reclama por el cobro duplicado de la patente del semestre (demo).",
         where="", who=2),
    Spec("sen-02", "senaletica-transito", K.REQUEST, W, 60, "start:6 answer:40",
         "Solicita lomo de toro frente a la escuela rural (demo).", who=3),
    # -- overdue, still open ---------------------------------------------------------------------
    Spec("bac-03", "baches-veredas", K.REQUEST, P, 75, "start:4",
         "Calle de tierra intransitable con las lluvias, pide ripio (demo).",
         where="a", address="Sector Larqui, camino interior", who=4),
    Spec("ave-02", "areas-verdes", K.REQUEST, W, 62, "",
         "Riego de las áreas verdes del bandejón central no funciona (demo).", who=5),
    Spec("soc-04", "ayudas-sociales", K.REQUEST, T, 58, "assign:2",
         "Solicita colchones y frazadas tras un incendio en su vivienda (demo).",
         where="a", address="Población Esperanza", who=6),
    Spec("lum-03", "alumbrado-publico", K.COMPLAINT, W, 45, "start:3",
         "Cuadra completa sin luz desde hace un mes en calle Yerbas Buenas (demo).", who=7),
    Spec("pat-03", "patentes", K.QUESTION, P, 40, "",
         "Consulta si una feria de emprendedores requiere patente provisoria (demo).",
         where="", who=8),
    Spec("org-02", "organizaciones-comunitarias", K.REQUEST, W, 50, "assign:5 start:6",
         "Solicita apoyo para la personalidad jurídica de un club deportivo (demo).",
         where="", who=9),
    # -- open within their deadline --------------------------------------------------------------
    Spec("lum-04", "alumbrado-publico", K.REQUEST, W, 2, "",
         "Foco quemado frente a la sede vecinal (demo).", who=None),
    Spec("mic-03", "microbasurales", K.COMPLAINT, T, 3, "start:1",
         "Bolsas de basura abandonadas en la esquina de la feria (demo).", who=10),
    Spec("soc-05", "ayudas-sociales", K.REQUEST, P, 4, "assign:1",
         "Solicita evaluación para la ficha del Registro Social de Hogares (demo).",
         where="", who=11),
    Spec("soc-06", "ayudas-sociales", K.REQUEST, W, 1, "",
         "Pide información sobre talleres para cuidadoras de personas dependientes (demo).",
         where="", who=0),
    Spec("gen-02", "consultas-generales", K.QUESTION, W, 5, "assign:1 start:2",
         "Consulta por el estado del proyecto de la Plaza de Armas (demo).",
         where="", who=1),
    Spec("sen-03", "senaletica-transito", K.SUGGESTION, W, 6, "",
         "Sugiere demarcar el paso de cebra frente al jardín infantil (demo).", who=None),
    Spec("ave-03", "areas-verdes", K.REQUEST, P, 8, "start:2",
         "Árbol seco con riesgo de caída sobre la vereda (demo).", who=2),
    Spec("bac-04", "baches-veredas", K.REQUEST, W, 9, "",
         "Tapa de cámara hundida en la calzada (demo).", who=3),
    Spec("org-03", "organizaciones-comunitarias", K.QUESTION, T, 7, "",
         "Cómo postular al fondo de desarrollo vecinal de este año (demo).",
         where="", who=4),
    Spec("fel-02", "alumbrado-publico", K.COMPLIMENT, W, 3, "",
         "Agradece el recambio a luminarias LED en la avenida (demo).", who=None),
    # -- derived to the competent directorate ----------------------------------------------------
    Spec("der-01", "consultas-generales", K.REQUEST, W, 30, "derive:1:DOM start:3",
         "Ramas de un árbol tapan la luminaria y la calle queda a oscuras (demo).", who=5),
    # -- a duplicate merged into its original ----------------------------------------------------
    Spec("dup-orig", "microbasurales", K.COMPLAINT, W, 12, "start:1",
         "Basura y neumáticos botados junto al puente del estero (demo).", who=6),
    Spec("dup-copy", "microbasurales", K.COMPLAINT, T, 11, "merge:1:dup-orig",
         "Neumáticos y basura tirados al lado del puente (demo).", who=7),
    # -- reopened by the citizen after an answer -------------------------------------------------
    Spec("reo-01", "alumbrado-publico", K.COMPLAINT, W, 35,
         "start:1 answer:5 close:6 reopen:9",
         "La luminaria reparada se volvió a apagar a los pocos días (demo).", who=8),
    # -- older, closed: the SLA dashboard's history ----------------------------------------------
    Spec("lum-05", "alumbrado-publico", K.REQUEST, T, 170, "start:1 answer:4 close:7",
         "Luminaria apagada en el paradero de la ruta a Concepción (demo).",
         where="a", address="Paradero ruta N-59-Q, salida sur", who=9),
    Spec("soc-07", "ayudas-sociales", K.REQUEST, P, 160, "assign:1 answer:11 close:14",
         "Solicita ayuda con medicamentos para un familiar enfermo (demo).",
         where="", who=10),
]  # fmt: skip

ANSWERS = {
    "alumbrado-publico": "La cuadrilla de alumbrado revisó y reparó las luminarias indicadas.",
    "baches-veredas": "Se incorporó el punto al programa de bacheo; se reparó en la fecha "
    "indicada en el seguimiento.",
    "areas-verdes": "El equipo de áreas verdes realizó la poda y el retiro de ramas.",
    "microbasurales": "Se retiraron los residuos y se dejó el sector en seguimiento.",
    "senaletica-transito": "La Dirección de Tránsito evaluó el punto e instaló la señal.",
    "ayudas-sociales": "La asistente social evaluó el caso y se entregó la ayuda correspondiente.",
    "organizaciones-comunitarias": "Le explicamos el trámite y los documentos; puede "
    "acercarse a la oficina de organizaciones comunitarias de DIDECO.",
    "patentes": "La información del trámite está en la oficina de rentas y patentes de la "
    "DAF; se respondió la consulta con los requisitos.",
    "consultas-generales": "Gracias por su mensaje; la información se publicará en el sitio "
    "de la municipalidad.",
}


def fictitious_rut(index: int) -> str:
    """A RUT with a valid check digit in a range no real person holds today (demo)."""
    body = str(3_000_000 + index * 7_919)
    return f"{body}-{rut_number.calc_check_digit(body)}"


class _Loader:
    def __init__(self, today: dt.date):
        from shapely.geometry import shape

        self.today = today
        self.created = 0
        municipality = Municipality.current()
        self.boundary = shape(municipality.boundary) if municipality.boundary else None
        self.users = {u.username: u for u in User.objects.filter(username__in=self.USERNAMES)}
        self.directorates = {d.code: d for d in Directorate.objects.all()}
        self.by_key: dict[str, Request] = {}

    USERNAMES = ("director", "enlace.dideco", "estudios", "admin")

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 15)))

    def location(self, spec: Spec) -> dict | None:
        """A point in Bulnes urbano, inside the boundary, the same on every run."""
        if spec.where != "p" or self.boundary is None:
            return None
        from shapely.geometry import Point

        rng = random.Random(f"{SEED}:{spec.key}")  # noqa: S311 (not for security)
        minx, miny, maxx, maxy = URBAN_BOX
        for _ in range(200):
            x, y = round(rng.uniform(minx, maxx), 5), round(rng.uniform(miny, maxy), 5)
            if self.boundary.covers(Point(x, y)):
                return {"type": "Point", "coordinates": [x, y]}
        raise RuntimeError(f"No se encontró una ubicación dentro de la comuna para {spec.key}.")

    def near(self, original: Request, spec: Spec) -> dict | None:
        """A duplicate's point: about 20 m from its original's."""
        if not original.location:
            return self.location(spec)
        x, y = original.location["coordinates"]
        return {"type": "Point", "coordinates": [round(x + 0.0002, 5), round(y + 0.0001, 5)]}

    # -- catalogue ---------------------------------------------------------------------------

    def categories(self) -> dict[str, Category]:
        found = {c.code: c for c in Category.objects.filter(code__in=[c[0] for c in CATEGORIES])}
        for code, name, directorate, days, group, guidance in CATEGORIES:
            if code in found:
                continue
            category = Category(
                code=code,
                name=name,
                directorate=self.directorates[directorate],
                answer_days=days,
                group=group,
                guidance=guidance,
                description=f"{name}: se responde desde {self.directorates[directorate].name}.",
            )
            core_services.record_create(actor=self.users["admin"], instance=category, reason=REASON)
            found[code] = category
            self.created += 1
        return found

    # -- requests ----------------------------------------------------------------------------

    def actor(self, request: Request) -> User:
        code = Directorate.objects.get(pk=request.directorate_id).code
        return self.users["enlace.dideco" if code == "DIDECO" else "director"]

    def assignee(self, request: Request) -> User:
        code = Directorate.objects.get(pk=request.directorate_id).code
        return self.users["enlace.dideco" if code == "DIDECO" else "estudios"]

    def load(self) -> None:
        categories = self.categories()
        existing = set(
            Request.objects.filter(description__in=[s.description for s in SPECS]).values_list(
                "description", flat=True
            )
        )
        for index, spec in enumerate(SPECS):
            if spec.description in existing:
                self.by_key[spec.key] = Request.objects.get(description=spec.description)
                continue
            self.load_request(index, spec, categories[spec.category])

    def load_request(self, index: int, spec: Spec, category: Category) -> None:
        received_on = self.today - dt.timedelta(days=spec.age)
        received_at = self.at(received_on, 9 + index % 8)
        person = {}
        if spec.who is not None:
            first, last = PEOPLE[spec.who]
            person = {
                "requester_name": f"{first} {last}",
                "requester_phone": f"+56 9 0000 {1000 + spec.who:04d}",
                "requester_rut": fictitious_rut(spec.who) if spec.who % 3 == 0 else "",
                "consent_given": True,
            }
        steps = [step.split(":") for step in spec.steps.split()]
        location = self.location(spec)
        if steps and steps[0][0] == "merge":
            location = self.near(self.by_key[steps[0][2]], spec)
        request = Request(
            kind=spec.kind,
            category=category,
            description=spec.description,
            channel=spec.channel,
            location=location,
            address=spec.address,
            received_at=received_at,
            **person,
        )
        staff = self.users["enlace.dideco" if category.directorate.code == "DIDECO" else "director"]
        request = services.request_create(actor=staff, citizen_request=request, reason=REASON)
        self.created += 1
        RequestEvent.objects.filter(request=request).update(at=received_at)
        for step in steps:
            self.step(request, step, received_at)
        self.by_key[spec.key] = request

    def step(self, request: Request, step: list[str], received_at: dt.datetime) -> None:
        action, offset = step[0], int(step[1])
        when = received_at + dt.timedelta(days=offset, hours=2)
        if timezone.localdate(when) >= self.today:
            raise RuntimeError(f"Paso «{action}» de {request.description!r} cae en el futuro.")
        request.refresh_from_db()
        before = set(RequestEvent.objects.filter(request=request).values_list("pk", flat=True))
        actor = self.actor(request)
        dates: dict[str, object] = {}
        if action == "assign":
            services.request_assign(
                actor=actor, citizen_request=request, user=self.assignee(request)
            )
        elif action == "start":
            services.request_start(actor=actor, citizen_request=request)
        elif action == "answer":
            services.request_answer(
                actor=actor, citizen_request=request, answer=ANSWERS[request.category.code]
            )
            dates["answered_at"] = when
        elif action == "close":
            services.request_close(actor=actor, citizen_request=request)
            dates["closed_at"] = when
        elif action == "derive":
            services.request_derive(
                actor=actor,
                citizen_request=request,
                directorate=self.directorates[step[2]],
                reason="La materia es de competencia de otra dirección.",
            )
        elif action == "merge":
            original = self.by_key[step[2]]
            services.request_merge(
                actor=actor,
                duplicate=request,
                original=original,
                reason="Mismo lugar y mismo problema.",
            )
            dates["closed_at"] = when
            RequestEvent.objects.filter(request=original, kind=RequestEvent.Kind.MERGED).exclude(
                pk__in=before
            ).update(at=when)
        elif action == "reopen":
            # The window runs from the answer, already dated back: reopen as on the day.
            Request.objects.filter(pk=request.pk).update(answered_at=timezone.now())
            services.request_reopen(
                actor=actor,
                tracking_code=request.tracking_code,
                reason="La persona llamó: el problema volvió a presentarse.",
            )
            due_on, rule = services.compute_due_date(request.category, when)
            dates["due_on"] = due_on
            dates["due_rule"] = f"Reabierta el {timezone.localdate(when):%d-%m-%Y}. {rule}"
        else:
            raise ValueError(action)
        RequestEvent.objects.filter(request=request).exclude(pk__in=before).update(at=when)
        if dates:
            Request.objects.filter(pk=request.pk).update(**dates)


def load(stdout=None, today: dt.date | None = None) -> None:
    """Create the demo OIRS if missing (needs core's demo: directorates, users, boundary).
    Loading twice writes nothing."""
    loader = _Loader(today or timezone.localdate())
    with transaction.atomic(), audit_context(reason=REASON, source="demo"):
        loader.load()
    if stdout is not None:
        stdout.write(f"OIRS de demostración: {loader.created} registros nuevos.")
