from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "secpla.projects"
    label = "projects"
    verbose_name = "Cartera de proyectos"

    def ready(self) -> None:
        from secpla.core.navigation import register_section
        from secpla.core.roles import register_grant_set
        from secpla.projects.grants import GRANTS
        from secpla.projects.navigation import SECTION

        register_grant_set("projects", GRANTS)
        register_section(SECTION, position=1)
