from secpla.core.navigation import NavItem, NavSection

SECTION = NavSection(
    "Presupuesto",
    (
        NavItem("Presupuestos anuales", "budget:budgetyear_list", "budget.BudgetYear", "wallet2"),
        NavItem(
            "Ejecución presupuestaria", "budget:analysis_current", "budget.BudgetYear", "bar-chart"
        ),
        NavItem(
            "Solicitudes (formulación)",
            "budget:budgetrequest_list",
            "budget.BudgetRequest",
            "inbox",
        ),
        NavItem(
            "Modificaciones", "budget:modification_list", "budget.Modification", "arrow-left-right"
        ),
        NavItem(
            "Importar ejecución",
            "budget:execution_import_list",
            "budget.BudgetYear",
            "upload",
        ),
        NavItem("Programas municipales", "budget:program_list", "budget.Program", "collection"),
        NavItem(
            "Cuentas y proyectos",
            "budget:accountproject_list",
            "budget.AccountProject",
            "link-45deg",
        ),
        NavItem("Clasificador", "budget:account_list", "budget.Account", "list-ol"),
        NavItem(
            "Clasificadores por año",
            "budget:classifierversion_list",
            "budget.ClassifierVersion",
            "journals",
        ),
        NavItem("Áreas de gestión", "budget:managementarea_list", "budget.ManagementArea", "grid"),
        NavItem(
            "Reglas de acuerdo del Concejo",
            "budget:agreementrule_list",
            "budget.AgreementRule",
            "bank2",
        ),
        NavItem(
            "Calendario presupuestario",
            "budget:budgetcalendar_list",
            "budget.BudgetCalendar",
            "calendar3",
        ),
        NavItem(
            "Reglas de alertas", "budget:alertrule_list", "budget.AlertRule", "exclamation-triangle"
        ),
    ),
)
