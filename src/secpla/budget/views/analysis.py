"""Budget screens: analysis of the execution.

- `analysis`: one budget year's execution by subtítulo and ítem (or down to asignación),
  gastos and ingresos, as of a month (default: the latest imported), with its alerts; the
  vigente can be narrowed by área de gestión or program (execution is not reported by
  área, so the page then shows only the budget and says why).
- `analysis_account`: the drill-down to one account: its figures, its children, month by
  month with a chart, and the investment projects its lines (or those below) fund.
- `quarterly_report`: the Control unit's quarterly report to the Concejo, as an HTML
  preview, PDF or XLSX (`budget.report`).

Readers of BudgetYear only: the year is fetched through `for_user`, so anyone else gets 404.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse

from secpla.budget import report, selectors
from secpla.budget.models import (
    LINKABLE_PREFIXES,
    AccountProject,
    AlertRule,
    BudgetYear,
    ExecutionMonth,
    Kind,
    Level,
    ManagementArea,
    Program,
)
from secpla.core.forms import DateInput
from secpla.core.money import MONTHS_ES
from secpla.core.permissions import scope_for


def budget_year_for(request, pk: int) -> BudgetYear:
    return get_object_or_404(BudgetYear.objects.for_user(request.user, "view"), pk=pk)


def imported_months(budget_year: BudgetYear) -> list[int]:
    return list(
        ExecutionMonth.objects.filter(budget_year=budget_year)
        .order_by("month")
        .values_list("month", flat=True)
    )


DETAIL_CHOICES = [
    (Level.SUBTITLE, "Subtítulo"),
    (Level.ITEM, "Subtítulo e ítem"),
    (Level.ALLOCATION, "Hasta asignación"),
]


class AnalysisForm(forms.Form):
    """The controls of the analysis pages (a GET form: every field optional)."""

    mes = forms.TypedChoiceField(label="Ejecución a", coerce=int, required=False, empty_value=None)
    fecha = forms.DateField(label="Vigente al", required=False, widget=DateInput())
    nivel = forms.ChoiceField(label="Detalle", choices=DETAIL_CHOICES, required=False)
    area = forms.ModelChoiceField(
        label="Área de gestión",
        queryset=ManagementArea.objects.order_by("code"),
        required=False,
        empty_label="Todas",
    )
    programa = forms.ModelChoiceField(
        label="Programa", queryset=Program.objects.none(), required=False, empty_label="Todos"
    )

    def __init__(self, data, *, budget_year: BudgetYear, imported: list[int], account=False):
        if data is not None and not data.get("nivel"):
            data = data.copy()
            data["nivel"] = Level.ITEM  # the default detail, shown as chosen
        super().__init__(data, initial={"nivel": Level.ITEM})
        self.year = budget_year.year
        self.fields["mes"].choices = [
            ("", "Último importado"),
            *[
                (month, f"{name.capitalize()}{' (importado)' if month in imported else ''}")
                for month, name in enumerate(MONTHS_ES, start=1)
            ],
        ]
        self.fields["programa"].queryset = Program.objects.filter(budget_year=budget_year).order_by(
            "code"
        )
        if account:  # the drill-down follows one account over the whole budget
            for name in ("nivel", "area", "programa"):
                del self.fields[name]

    def clean_fecha(self):
        """The vigente may be seen on any date of the budget's year (default: the end of
        the execution month, see selectors.execution_table)."""
        on = self.cleaned_data.get("fecha")
        if on is not None and on.year != self.year:
            raise forms.ValidationError(f"Indique una fecha de {self.year}.")
        return on

    def value(self, name: str):
        """The cleaned value, or None when absent or invalid (the form shows why)."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None


def month_query(month: int | None, on: dt.date | None = None) -> str:
    """?mes=… and ?fecha=… for links that keep the month and the date of the vigente."""
    params = {"mes": month, "fecha": on.isoformat() if on else None}
    query = urlencode({name: value for name, value in params.items() if value})
    return f"?{query}" if query else ""


def alert_items(table: selectors.Table, on: dt.date | None = None) -> list[dict]:
    """The alerts of a table, each with the account's page (and the rule, for the
    low-investment warning)."""
    rule = AlertRule.in_force(table.on)
    query = month_query(table.month, on)
    items = []
    for alert in selectors.alerts(table, rule):
        items.append(
            {
                "level": alert.level,
                "text": alert.text,
                "url": reverse("budget:analysis_account", args=[table.budget_year.pk, alert.code])
                + query,
                "rule_url": rule.get_absolute_url() if alert.level == "warning" and rule else "",
            }
        )
    return items


def xlsx_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=report.XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@login_required
def analysis(request, pk: int):
    budget_year = budget_year_for(request, pk)
    imported = imported_months(budget_year)
    form = AnalysisForm(request.GET or None, budget_year=budget_year, imported=imported)
    month, on = form.value("mes"), form.value("fecha")
    detail = form.value("nivel") or Level.ITEM
    program = form.value("programa")
    area = None if program else form.value("area")
    narrowed = program or area
    table = selectors.execution_table(budget_year, month=month, on=on, area=area, program=program)
    # Alerts are about the whole budget, never the narrowed one.
    whole = selectors.execution_table(budget_year, month=month, on=on) if narrowed else table
    execution = table.month is not None and not narrowed
    sections = report.sections(table, detail, execution=execution)
    alerts = alert_items(whole, on) if whole.month is not None else []
    source = report.execution_source(whole, month)
    if narrowed:
        scope = f"del programa {program}" if program else f"del área de gestión {area}"
        narrowed_text = (
            f"Presupuesto vigente {scope} al {table.on:%d-%m-%Y}. La ejecución no está "
            "disponible por área de gestión ni por programa: el sistema contable la informa "
            "por cuenta, por eso no se muestra aquí."
        )
    else:
        narrowed_text = ""
    if request.GET.get("export") == "xlsx":
        workbook = report.new_workbook()
        heading = [
            f"Ejecución presupuestaria {budget_year.year}",
            narrowed_text or source,
        ]
        for sec in sections:
            report.write_section(workbook, sec, heading)
        stem = f"ejecucion-{budget_year.year}" + (f"-{table.month:02d}" if execution else "")
        return xlsx_response(report.workbook_bytes(workbook), stem)
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "budget/analysis.html",
        {
            "budget_year": budget_year,
            "form": form,
            "table": table,
            "sections": sections,
            "execution": execution,
            "source": source,
            "narrowed_text": narrowed_text,
            "alerts": alerts,
            "link_query": month_query(month, on),
            "querystring": query.urlencode(),
            "quarter": ((table.month or 1) - 1) // 3 + 1,
        },
    )


def ancestors_of(table: selectors.Table, code: str) -> list[selectors.Line]:
    parts = code.split(".")
    found = [table.get(".".join(parts[:end])) for end in range(2, len(parts))]
    return [line for line in found if line is not None]


def monthly_rows(points: list[selectors.MonthPoint], kind: str) -> tuple[list, list]:
    """Month by month as (header, rows): the vigente at each month's end and the cumulative
    execution of each imported month (a month not imported says so)."""
    amounts = (
        [("obligated", "Obligado"), ("accrued", "Devengado"), ("paid", "Pagado")]
        if kind == Kind.EXPENSE
        else [("accrued", "Devengado"), ("collected", "Percibido")]
    )
    header = ["Mes", "Vigente", *[label for _, label in amounts], "% devengado"]
    rows = []
    for point in points:
        values = [getattr(point, name) if point.imported else None for name, _ in amounts]
        pct = selectors.percent(point.accrued, point.vigente) if point.imported else None
        rows.append(
            {
                "month": MONTHS_ES[point.month - 1].capitalize(),
                "imported": point.imported,
                "values": [point.vigente, *values],
                "pct": pct,
                "pct_text": report.format_percent(pct),
            }
        )
    return header, rows


def chart_data(points: list[selectors.MonthPoint], kind: str) -> dict:
    amounts = (
        [("obligated", "Obligado"), ("accrued", "Devengado"), ("paid", "Pagado")]
        if kind == Kind.EXPENSE
        else [("accrued", "Devengado"), ("collected", "Percibido")]
    )
    return {
        "labels": [MONTHS_ES[p.month - 1][:3] for p in points],
        "series": [
            {"label": "Vigente", "type": "line", "values": [p.vigente for p in points]},
            *[
                {
                    "label": label,
                    "type": "bar",
                    "values": [getattr(p, name) if p.imported else None for p in points],
                }
                for name, label in amounts
            ],
        ],
    }


def linked_projects(user, budget_year: BudgetYear, code: str):
    """The projects funded by this account or any account below it, as far as the user
    may see them (None: the user may not see project links at all)."""
    from secpla.projects.models import Project

    if not (code + ".").startswith(LINKABLE_PREFIXES):
        return None  # only subtítulos 31 and 33 fund projects
    if scope_for(user, AccountProject, "view") is None:
        return None
    return list(
        AccountProject.objects.for_user(user, "view")
        .filter(account__version_id=budget_year.classifier_id)
        .filter(Q(account__code=code) | Q(account__code__startswith=code + "."))
        .filter(project__in=Project.objects.for_user(user, "view"))
        .select_related("account", "project")
        .order_by("account__code", "project__code")
    )


def account_xlsx(line, sheet, month_header, months, projects, heading) -> bytes:
    """The drill-down page as a workbook: the account and its children, month by month,
    and the linked projects (when the page shows them)."""
    workbook = report.new_workbook()
    report.write_section(workbook, sheet, heading)
    month_rows = [
        [
            row["month"],
            *row["values"],
            float(row["pct"]) if row["pct"] is not None else None,
            "" if row["imported"] else "Mes sin importar",
        ]
        for row in months
    ]
    report.write_lines(
        workbook,
        "Mes a mes",
        [f"{line.code} {line.name}: vigente a fin de cada mes y ejecución acumulada."],
        [*month_header, "Observación"],
        month_rows,
    )
    if projects is not None:
        project_rows = [
            [link.account.code, link.project.code, link.project.name, link.get_method_display()]
            for link in projects
        ]
        report.write_lines(
            workbook, "Proyectos", [], ["Cuenta", "Proyecto", "Nombre", "Vínculo"], project_rows
        )
    return report.workbook_bytes(workbook)


@login_required
def analysis_account(request, pk: int, code: str):
    budget_year = budget_year_for(request, pk)
    imported = imported_months(budget_year)
    form = AnalysisForm(
        request.GET or None, budget_year=budget_year, imported=imported, account=True
    )
    month, on = form.value("mes"), form.value("fecha")
    table = selectors.execution_table(budget_year, month=month, on=on)
    line = table.get(code)
    if line is None:
        raise Http404("La cuenta no está en el clasificador de ese año.")
    execution = table.month is not None
    columns = report.columns_for(line.kind, execution=execution)
    own = report.make_row(line, columns)
    children = report.section(line.kind, table.children(code), execution=execution, total=None)
    points = selectors.monthly(budget_year, code)
    month_header, months = monthly_rows(points, line.kind)
    projects = linked_projects(request.user, budget_year, code)
    source = report.execution_source(table, month)
    if request.GET.get("export") == "xlsx":
        sheet = report.Section(
            line.kind, "Cuenta", columns, [own, *children.rows], None, children.omitted
        )
        content = account_xlsx(line, sheet, month_header, months, projects, [
            f"{line.code} {line.name} · presupuesto {budget_year.year}", source,
        ])  # fmt: skip
        return xlsx_response(content, f"ejecucion-{budget_year.year}-{line.code}")
    query = request.GET.copy()
    query.pop("export", None)
    return render(
        request,
        "budget/analysis_account.html",
        {
            "budget_year": budget_year,
            "form": form,
            "table": table,
            "line": line,
            "own": own,
            "children": children,
            "execution": execution,
            "source": source,
            "ancestors": ancestors_of(table, code),
            "month_header": month_header,
            "months": months,
            "chart": chart_data(points, line.kind),
            "any_imported": any(p.imported for p in points),
            "projects": projects,
            "link_query": month_query(month, on),
            "querystring": query.urlencode(),
        },
    )


QUARTER_CHOICES = [
    (1, "1° trimestre (enero a marzo)"),
    (2, "2° trimestre (abril a junio)"),
    (3, "3° trimestre (julio a septiembre)"),
    (4, "4° trimestre (octubre a diciembre)"),
]
FORMAT_CHOICES = [("html", "Vista previa"), ("pdf", "PDF"), ("xlsx", "Excel (XLSX)")]


class QuarterForm(forms.Form):
    trimestre = forms.TypedChoiceField(
        label="Trimestre", choices=QUARTER_CHOICES, coerce=int, required=False, empty_value=None
    )
    formato = forms.ChoiceField(label="Formato", choices=FORMAT_CHOICES, required=False)


def default_quarter(budget_year: BudgetYear) -> int:
    """The quarter of the latest imported month (the first quarter without imports)."""
    latest = selectors.latest_month(budget_year)
    return (latest - 1) // 3 + 1 if latest else 1


@login_required
def quarterly_report(request, pk: int):
    budget_year = budget_year_for(request, pk)
    form = QuarterForm(request.GET or None)
    context = {"budget_year": budget_year, "form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "budget/report_quarterly.html", context)
    chosen = form.cleaned_data if form.is_bound else {}
    quarter = chosen.get("trimestre") or default_quarter(budget_year)
    kind = chosen.get("formato") or "html"
    quarterly = report.quarterly_report(budget_year, quarter)
    if kind == "xlsx":
        return xlsx_response(report.report_xlsx(quarterly), quarterly.file_stem)
    if kind == "pdf":
        response = HttpResponse(report.report_pdf(quarterly), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{quarterly.file_stem}.pdf"'
        return response
    return render(
        request,
        "budget/report_quarterly.html",
        {**context, **report.report_context(quarterly), "quarter": quarter},
    )


@login_required
def analysis_current(request):
    """The menu's «Ejecución presupuestaria»: the analysis of the current budget (the
    latest year in force or closed, else the latest one) the user may see."""
    if scope_for(request.user, BudgetYear, "view") is None:
        raise PermissionDenied
    years = BudgetYear.objects.for_user(request.user, "view")
    current = (
        years.filter(status__in=[BudgetYear.Status.APPROVED, BudgetYear.Status.CLOSED])
        .order_by("-year")
        .first()
        or years.order_by("-year").first()
    )
    if current is None:
        messages.info(request, "Aún no hay presupuestos anuales registrados.")
        return redirect("budget:budgetyear_list")
    return redirect("budget:analysis", pk=current.pk)


urlpatterns = [
    path("presupuesto/ejecucion/", analysis_current, name="analysis_current"),
    path("presupuesto/<int:pk>/ejecucion/", analysis, name="analysis"),
    path("presupuesto/<int:pk>/ejecucion/<str:code>/", analysis_account, name="analysis_account"),
    path("presupuesto/<int:pk>/informe-trimestral/", quarterly_report, name="quarterly_report"),
]
