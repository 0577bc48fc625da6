"""The budget's read-only API: the execution table, scoped requests, no writes."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from secpla.budget import execution
from secpla.budget.models import BudgetRequest, BudgetYear, ClassifierVersion, InitialAmount
from secpla.core.audit import audit_context
from secpla.core.models import Directorate


@pytest.fixture
def budget(personas):
    version = ClassifierVersion.objects.get(year=2026)
    with audit_context(source="test"):
        year = BudgetYear.objects.create(year=2026, classifier=version)
        InitialAmount.objects.create(
            budget_year=year, account=version.accounts.get(code="215.22.04.001"), amount=1_000
        )
        for code in ("DIDECO", "DOM"):
            BudgetRequest.objects.create(
                budget_year=year, directorate=Directorate.objects.get(code=code),
                account=version.accounts.get(code="215.22.04.001"), requested=10,
                justification="x",
            )  # fmt: skip
    data = b"cuenta;obligado;devengado;pagado\n215.22.04.001;1200;300;100\n"
    report = execution.import_month(
        actor=personas.director, budget_year=year, month=4, source=io.BytesIO(data),
        file_name="abril.csv",
    )  # fmt: skip
    assert report.ok, report.text()
    return year


def test_the_execution_table_by_item_with_alerts(budget, personas, client_as):
    response = client_as(personas.concejala).get(f"/api/v1/budget/years/{budget.pk}/execution/")
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == 4 and body["vigente_on"] == "2026-04-30"
    lines = {line["code"]: line for line in body["lines"]}
    assert "215.22.04.001" not in lines  # below the default level
    assert lines["215.22.04"]["vigente"] == 1_000 and lines["215.22.04"]["obligated"] == 1_200
    assert lines["215.22.04"]["pct_accrued"] == 30.0
    assert any(a["code"] == "215.22.04.001" and a["level"] == "danger" for a in body["alerts"])


def test_a_bad_month_or_level_is_a_spanish_400(budget, personas, client_as):
    client = client_as(personas.presupuesto)
    url = f"/api/v1/budget/years/{budget.pk}/execution/"
    assert "El mes debe ir de 1 a 12" in client.get(url + "?month=13").json()["month"]
    assert "Nivel desconocido" in client.get(url + "?level=x").json()["level"]
    lines = client.get(url + "?level=asignacion&month=4").json()["lines"]
    assert any(line["code"] == "215.22.04.001" for line in lines)


def test_the_enlace_sees_its_own_directorates_requests(budget, personas, client_as):
    rows = client_as(personas.enlace_dideco).get("/api/v1/budget/requests/").json()["results"]
    assert [row["directorate"] for row in rows] == ["DIDECO"]
    rows = client_as(personas.presupuesto).get("/api/v1/budget/requests/").json()["results"]
    assert sorted(row["directorate"] for row in rows) == ["DIDECO", "DOM"]


def test_the_api_is_read_only(budget, personas, client_as):
    client = client_as(personas.director)
    response = client.post("/api/v1/budget/years/", {"year": 2027}, content_type="application/json")
    assert response.status_code == 405
    assert BudgetYear.objects.count() == 1


def test_accounts_filter_by_year_and_prefix(budget, personas, client_as):
    rows = (
        client_as(personas.estudios)
        .get("/api/v1/budget/accounts/?version__year=2026&code__startswith=215.31.02")
        .json()["results"]
    )
    assert rows and all(row["code"].startswith("215.31.02") for row in rows)
    assert rows[0]["year"] == 2026


def test_the_vigente_on_any_date(budget, personas, client_as):
    from secpla.budget.models import Modification, ModificationLine
    from secpla.budget.services import modification_approve

    version = budget.classifier
    with audit_context(source="test"):
        modification = Modification.objects.create(
            budget_year=budget, number=1, date=dt.date(2026, 3, 1), description="x"
        )
        for code, amount in (("215.22.04.001", 100), ("215.22.04.002", -100)):
            ModificationLine.objects.create(
                modification=modification, account=version.accounts.get(code=code), amount=amount
            )
    modification_approve(actor=personas.director, modification=modification,
                         on=dt.date(2026, 3, 10))  # fmt: skip
    client = client_as(personas.presupuesto)
    url = f"/api/v1/budget/years/{budget.pk}/execution/?level=asignacion"

    def vigente(query):
        lines = client.get(url + query).json()["lines"]
        return {line["code"]: line["vigente"] for line in lines}["215.22.04.001"]

    assert vigente("&date=2026-03-09") == 1_000
    assert vigente("&date=2026-03-10") == 1_100
    assert "AAAA-MM-DD" in client.get(url + "&date=10-03-2026").json()["date"]
    assert "Indique una fecha de 2026" in client.get(url + "&date=2025-03-10").json()["date"]
