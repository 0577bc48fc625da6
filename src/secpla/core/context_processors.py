from secpla.core.models import Municipality
from secpla.core.navigation import navigation_for


def platform(request):
    # Pages show its name and place, never the boundary: a large JSON not worth decoding.
    municipality = (
        Municipality.objects.select_related("comuna__province__region")
        .defer("boundary")
        .filter(pk=1)
        .first()
    )
    user = getattr(request, "user", None)
    return {
        "municipality": municipality,
        "is_demo": bool(municipality and municipality.is_demo),
        "nav_sections": navigation_for(user) if user and user.is_authenticated else [],
    }
