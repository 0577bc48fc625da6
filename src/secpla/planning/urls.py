"""Routes of the planning module; each screen module declares its own `urlpatterns`."""

from secpla.planning.views import matrix, plan, registers, secretariat

app_name = "planning"

urlpatterns = [
    *plan.urlpatterns,
    *matrix.urlpatterns,
    *registers.urlpatterns,
    *secretariat.urlpatterns,
]
