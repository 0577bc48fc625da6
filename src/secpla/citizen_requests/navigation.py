"""The OIRS entries of the intranet navigation (registered in core.navigation)."""

from secpla.core.navigation import NavItem, NavSection

SECTION = NavSection(
    "Atención ciudadana",
    (
        NavItem(
            "Bandeja de solicitudes",
            "citizen_requests:request_list",
            "citizen_requests.Request",
            "inbox",
        ),
        NavItem(
            "Tablero de plazos",
            "citizen_requests:dashboard",
            "citizen_requests.Request",
            "speedometer2",
        ),
        NavItem(
            "Mapa de solicitudes", "citizen_requests:map", "citizen_requests.Request", "geo-alt"
        ),
        NavItem(
            "Categorías",
            "citizen_requests:category_list",
            "citizen_requests.Category",
            "tags",
        ),
        NavItem(
            "Parámetros OIRS",
            "citizen_requests:oirssettings_list",
            "citizen_requests.OirsSettings",
            "sliders",
        ),
        NavItem(
            "Claves de API Open311",
            "citizen_requests:apikey_list",
            "citizen_requests.ApiKey",
            "key",
        ),
    ),
)
