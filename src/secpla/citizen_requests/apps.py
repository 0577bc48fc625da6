from django.apps import AppConfig


class CitizenRequestsConfig(AppConfig):
    name = "secpla.citizen_requests"
    label = "citizen_requests"
    verbose_name = "Solicitudes ciudadanas (OIRS)"

    def ready(self) -> None:
        from secpla.citizen_requests.grants import GRANTS
        from secpla.citizen_requests.navigation import SECTION
        from secpla.citizen_requests.public_cache import connect_signals
        from secpla.core.navigation import register_section
        from secpla.core.roles import register_grant_set

        register_grant_set("citizen_requests", GRANTS)
        register_section(SECTION, position=3)
        connect_signals()
