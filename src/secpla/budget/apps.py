from django.apps import AppConfig


class BudgetConfig(AppConfig):
    name = "secpla.budget"
    label = "budget"
    verbose_name = "Presupuesto municipal"

    def ready(self) -> None:
        from secpla.budget.grants import GRANTS
        from secpla.core.roles import register_grant_set

        register_grant_set("budget", GRANTS)
