from secpla.core.navigation import NavItem, NavSection

SECTION = NavSection(
    "Planificación",
    (
        NavItem("PLADECO", "planning:plan_list", "planning.Plan", "diagram-3-fill"),
        NavItem("Iniciativas", "planning:initiative_list", "planning.Initiative", "list-check"),
        NavItem(
            "Evaluaciones", "planning:evaluation_list", "planning.Evaluation", "clipboard-data"
        ),
        NavItem(
            "Participación",
            "planning:participationactivity_list",
            "planning.ParticipationActivity",
            "people-fill",
        ),
        NavItem("Políticas comunales", "planning:policy_list", "planning.Policy", "journal-text"),
        NavItem(
            "Acuerdos del Concejo",
            "planning:councilagreement_list",
            "planning.CouncilAgreement",
            "bank2",
        ),
        NavItem("Tareas encargadas", "planning:task_list", "planning.Task", "check2-square"),
        NavItem(
            "Pendientes y vencidos",
            "planning:pending",
            "planning.CouncilAgreement",
            "exclamation-triangle",
        ),
        NavItem(
            "Estados de iniciativa",
            "planning:initiativestatus_list",
            "planning.InitiativeStatus",
            "sliders",
        ),
    ),
)
