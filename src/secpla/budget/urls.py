"""Routes of the budget module; each screen module declares its own `urlpatterns`."""

from secpla.budget.views import analysis, imports, links, modifications, reference, year

app_name = "budget"

urlpatterns = [
    *reference.urlpatterns,
    *year.urlpatterns,
    *modifications.urlpatterns,
    *analysis.urlpatterns,
    *imports.urlpatterns,
    *links.urlpatterns,
]
