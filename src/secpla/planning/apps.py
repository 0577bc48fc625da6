from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "secpla.planning"
    label = "planning"
    verbose_name = "Planificación"

    def ready(self) -> None:
        from secpla.core.navigation import register_section
        from secpla.core.roles import register_grant_set
        from secpla.core.selectors import register_attention
        from secpla.planning import attention
        from secpla.planning.grants import GRANTS
        from secpla.planning.navigation import SECTION

        register_grant_set("planning", GRANTS)
        register_section(SECTION, position=0)
        register_attention(attention.overdue_items)
        register_attention(attention.evaluation_comments_items)
