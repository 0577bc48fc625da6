from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "secpla.budget"
    label = "budget"
    verbose_name = "Presupuesto municipal"

    def ready(self) -> None:
        from secpla.budget import attention
        from secpla.budget.grants import FORMULATION_GRANTS, GRANTS
        from secpla.budget.navigation import SECTION
        from secpla.budget.views.links import register_project_tab
        from secpla.core.navigation import register_section
        from secpla.core.roles import register_grant_set
        from secpla.core.selectors import register_attention

        register_section(SECTION, position=2)
        register_grant_set("budget", GRANTS)
        register_grant_set("budget-formulation", FORMULATION_GRANTS)
        register_attention(attention.execution_alert_items)
        register_project_tab()
