from secpla.core.models import Municipality
from secpla.core.navigation import navigation_for


def platform(request):
    municipality = Municipality.current(with_boundary=False)  # pages show name and place
    user = getattr(request, "user", None)
    return {
        "municipality": municipality,
        "is_demo": bool(municipality and municipality.is_demo),
        "nav_sections": navigation_for(user) if user and user.is_authenticated else [],
    }
