"""Every URL the project routes × every role → the expected status.

The table below is the permission policy written out. `test_every_routed_url_is_in_the_matrix`
fails when a view is added without a row here, so each module extends this table.

Rules it encodes:
- anonymous users are sent to the login page (web) or get 401 (API);
- a list or a create page the role may not use is 403;
- a record the role cannot see (no permission, or outside its directorate) is 404;
- a record the role can see but not change is 403 on its edit and delete pages.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from secpla.core import services
from secpla.core.audit import audit_context
from secpla.core.models import (
    Agreement,
    ChangeLogEntry,
    Contact,
    Department,
    Directorate,
    LocalHoliday,
    Organisation,
    RegionalHoliday,
    Role,
    UTMValue,
)
from secpla.testing_matrix import (
    ADMIN,
    AGREEMENT_WRITERS_ANY,
    AGREEMENT_WRITERS_OWN,
    ALL,
    CONTACT_READERS,
    EVERYONE,
    IGNORED_PREFIXES,
    LINK_DELETERS,
    LINK_WRITERS,
    LOG_READERS,
    NOBODY,
    USER_READERS,
    Case,
    api_cases,
    crud_cases,
    module_matrices,
    pk,
)

CORE_CASES: list[Case] = [
    Case("home", ok=EVERYONE),
    Case("login", ok=NOBODY, ok_status=200, anonymous=200, extra_status={r: 302 for r in EVERYONE}),
    Case("logout", ok=NOBODY, anonymous=405, extra_status={r: 405 for r in EVERYONE}),
    Case("password_change", ok=EVERYONE),
    Case("password_change_done", ok=EVERYONE),
    Case("api-schema", ok=EVERYONE),
    Case("api-docs", ok=EVERYONE),
    Case("core:calendar", ok=EVERYONE, query="?start=2026-09-10&days=20"),
    Case("core:municipality", ok=ALL),
    Case("core:municipality_edit", ok=ADMIN, visible=ALL),
    *crud_cases("directorate", "secpla", view=ALL, add=ADMIN, change=ADMIN, delete=ADMIN),
    *crud_cases("department", "department", view=ALL, add=ADMIN, change=ADMIN, delete=ADMIN),
    *crud_cases("user", "concejala", view=USER_READERS, add=ADMIN, change=ADMIN, delete=ADMIN),
    Case("core:user_set_password", pk("concejala"), ok=ADMIN, visible=USER_READERS),
    Case("core:utm_convert", ok=ALL, query="?direction=clp&amount=1000000&year=2026&month=11"),
    *crud_cases("role", "role", view=LOG_READERS, add=ADMIN, change=ADMIN, delete=ADMIN),
    Case(
        "core:role_grant_add",
        pk("role"),
        ok=NOBODY,
        visible=LOG_READERS,
        extra_status={r: 405 for r in EVERYONE},
    ),
    Case(
        "core:role_grant_delete",
        lambda w: {"pk": w.role.pk, "grant_pk": w.grant.pk},
        ok=NOBODY,
        visible=LOG_READERS,
        extra_status={r: 405 for r in EVERYONE},
    ),
    *crud_cases("utmvalue", "utm", view=ALL, add=ADMIN, change=ADMIN, delete=ADMIN),
    *crud_cases(
        "regionalholiday", "regional_holiday", view=ALL, add=ADMIN, change=ADMIN, delete=ADMIN
    ),
    *crud_cases("localholiday", "local_holiday", view=ALL, add=ADMIN, change=ADMIN, delete=ADMIN),
    *crud_cases(
        "organisation",
        "organisation",
        view=ALL,
        add=LINK_WRITERS,
        change=LINK_WRITERS,
        delete=LINK_DELETERS,
    ),
    *crud_cases(
        "contact",
        "contact",
        view=CONTACT_READERS,
        add=LINK_WRITERS,
        change=LINK_WRITERS,
        delete=LINK_DELETERS,
    ),
    # An agreement of SECPLA: the DIDECO liaison cannot see it (404).
    *crud_cases(
        "agreement",
        "agreement_secpla",
        view=ALL,
        add=AGREEMENT_WRITERS_OWN,
        change=AGREEMENT_WRITERS_ANY,
        delete=LINK_DELETERS,
        visible_obj=ALL - {"enlace_direccion"},
    ),
    Case("core:changelog_list", ok=LOG_READERS),
    Case(
        "core:changelog_detail",
        lambda w: {"pk": w.log_entry.pk},
        ok=LOG_READERS,
        visible=LOG_READERS,
    ),
    Case(
        "core:document_upload",
        lambda w: {"content_type_id": w.agreement_ct, "object_id": w.agreement_secpla.pk},
        ok=AGREEMENT_WRITERS_ANY,
        visible=ALL - {"enlace_direccion"},
    ),
    Case(
        "core:document_download",
        lambda w: {"pk": w.document.pk},
        ok=ALL - {"enlace_direccion"},
        visible=ALL - {"enlace_direccion"},
    ),
    Case(
        "core:document_delete",
        lambda w: {"pk": w.document.pk},
        ok=AGREEMENT_WRITERS_ANY,
        visible=ALL - {"enlace_direccion"},
    ),
    Case("api:api-root", ok=EVERYONE, anonymous=401),
    Case("api:calendar-add", ok=EVERYONE, anonymous=401, query="?start=2026-09-10&days=20"),
    Case("api:calendar-check", ok=EVERYONE, anonymous=401, query="?date=2026-09-18"),
    Case(
        "api:calendar-between", ok=EVERYONE, anonymous=401, query="?start=2026-09-01&end=2026-09-30"
    ),
    *api_cases("region", "region", view=EVERYONE, lookup="code"),
    *api_cases("comuna", "comuna", view=EVERYONE, lookup="cut"),
    *api_cases("municipality", "municipality", view=ALL),
    *api_cases("directorate", "secpla", view=ALL),
    *api_cases("department", "department", view=ALL),
    *api_cases("role", "role", view=LOG_READERS),
    *api_cases("user", "concejala", view=USER_READERS),
    *api_cases("utmvalue", "utm", view=ALL),
    *api_cases("regionalholiday", "regional_holiday", view=ALL),
    *api_cases("localholiday", "local_holiday", view=ALL),
    *api_cases("organisation", "organisation", view=ALL),
    *api_cases("contact", "contact", view=CONTACT_READERS),
    *api_cases("agreement", "agreement_secpla", view=ALL, visible_obj=ALL - {"enlace_direccion"}),
    *api_cases("changelogentry", "log_entry", view=LOG_READERS),
]


MODULES = module_matrices()
CASES: list[Case] = [*CORE_CASES, *(case for module in MODULES for case in module.CASES)]


class World:
    """The records the matrix visits."""

    def __init__(self, personas):
        self.personas = personas
        self.concejala = personas.concejala
        self.secpla = Directorate.objects.get(code="SECPLA")
        self.dideco = Directorate.objects.get(code="DIDECO")
        self.department = Department.objects.get(code="EST")
        self.role = Role.objects.get(code="concejal")
        self.grant = self.role.grants.first()
        with audit_context(source="test"):
            self.utm = UTMValue.objects.create(year=2026, month=11, value=70000, source="prueba")
            self.regional_holiday = RegionalHoliday.objects.first()
            self.local_holiday = LocalHoliday.objects.create(
                date=dt.date(2026, 12, 9), name="Aniversario comunal", legal_source="D.A. 1"
            )
            self.organisation = Organisation.objects.create(
                name="Gobierno Regional", kind=Organisation.Kind.PUBLIC
            )
            self.contact = Contact.objects.create(organisation=self.organisation, name="Ana")
            self.agreement_secpla = Agreement.objects.create(
                organisation=self.organisation, title="Convenio SECPLA",
                kind=Agreement.Kind.TRANSFER, directorate=self.secpla,
            )  # fmt: skip
        self.agreement_ct = ContentType.objects.get_for_model(Agreement).pk
        self.document = services.document_attach(
            actor=personas.admin, target=self.agreement_secpla,
            upload=SimpleUploadedFile("acta.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"),
            title="Acta", kind="acta",
        )  # fmt: skip
        self.log_entry = ChangeLogEntry.objects.first()
        from secpla.core.models import Comuna, Municipality, Region

        self.region = Region.objects.get(code="16")
        self.comuna = Comuna.objects.get(cut="16102")
        self.municipality = Municipality.current()
        for module in MODULES:
            module.populate(self)

    def __setattr__(self, name, value):
        # Each module's populate() names its own records: one module silently replacing
        # another's (say two "import_job"s of different models) sends that module's rows
        # to a primary key of the wrong table, which only shows where ids differ (PostgreSQL).
        if name in self.__dict__ and self.__dict__[name] is not value:
            raise AttributeError(f"World.{name} is already set by another module's populate()")
        super().__setattr__(name, value)

    def lookup(self, attr, lookup):
        obj = getattr(self, attr)
        return getattr(obj, lookup) if lookup != "pk" else obj.pk


def routed_names(resolver=None, prefix="") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            ns = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= routed_names(entry, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{prefix}{entry.name}")
    return {n for n in names if not n.startswith(IGNORED_PREFIXES)}


def test_every_routed_url_is_in_the_matrix():
    covered = {case.name for case in CASES}
    missing = routed_names() - covered
    assert not missing, f"URLs without a row in the permission matrix: {sorted(missing)}"
    stale = covered - routed_names()
    assert not stale, f"Rows for URLs that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(personas, media):
    return World(personas)


def url_for(case: Case, world: World) -> str:
    kwargs = case.kwargs(world) if case.kwargs else {}
    return reverse(case.name, kwargs=kwargs) + case.query


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_role_gets_the_expected_status(case, world, client_as, client):
    url = url_for(case, world)
    got = {"anonymous": client.get(url).status_code}
    want = {"anonymous": case.anonymous}
    for role, user in world.personas.by_role().items():
        got[role] = client_as(user).get(url).status_code
        want[role] = case.expected(role)
    mismatches = {r: (got[r], want[r]) for r in want if got[r] != want[r]}
    assert not mismatches, f"{url}: role -> (got, expected): {mismatches}"


def test_an_anonymous_user_is_sent_to_the_login_page(client, world):
    response = client.get(reverse("core:agreement_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_the_dideco_liaison_sees_only_agreements_of_dideco(world, client_as):
    with audit_context(source="test"):
        own = Agreement.objects.create(
            organisation=world.organisation, title="Convenio DIDECO",
            kind=Agreement.Kind.LOAN, directorate=world.dideco,
        )  # fmt: skip
    client = client_as(world.personas.enlace_dideco)
    listing = client.get(reverse("core:agreement_list")).content.decode()
    assert "Convenio DIDECO" in listing and "Convenio SECPLA" not in listing
    assert client.get(reverse("core:agreement_detail", args=[own.pk])).status_code == 200
    other_liaison = client_as(world.personas.enlace_dom)
    assert other_liaison.get(reverse("core:agreement_detail", args=[own.pk])).status_code == 404
    api = client.get("/api/v1/agreements/").json()
    assert [row["title"] for row in api["results"]] == ["Convenio DIDECO"]
