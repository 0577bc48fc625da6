from secpla.core.navigation import NavItem, NavSection

SECTION = NavSection(
    "Inversión",
    (
        NavItem("Cartera de proyectos", "projects:project_list", "projects.Project", "kanban"),
        NavItem("Mapa de la cartera", "projects:map", "projects.Project", "geo-alt"),
        NavItem(
            "Postulaciones",
            "projects:fundingapplication_list",
            "projects.FundingApplication",
            "send",
        ),
        NavItem(
            "Fuentes de financiamiento",
            "projects:fundingsource_list",
            "projects.FundingSource",
            "cash-stack",
        ),
        NavItem(
            "Parámetros de la cartera",
            "projects:settings",
            "projects.PortfolioSettings",
            "sliders",
        ),
    ),
)
