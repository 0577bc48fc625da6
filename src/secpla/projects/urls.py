"""Routes of the projects module; each screen module declares its own `urlpatterns`."""

from secpla.projects.views import map, portfolio, transfer

app_name = "projects"

urlpatterns = [*portfolio.urlpatterns, *map.urlpatterns, *transfer.urlpatterns]
