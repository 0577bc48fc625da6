"""URLs of the OIRS. Public pages (no login) live under publico/oirs/; staff screens under
oirs/, one module each."""

from django.urls import path

from secpla.citizen_requests.views import casework, catalogue, dashboard, inbox, public

app_name = "citizen_requests"

urlpatterns = [
    path("publico/oirs/", public.public_create, name="public_create"),
    path("publico/oirs/recibida/", public.public_received, name="public_received"),
    path("publico/oirs/seguimiento/", public.public_track, name="public_track"),
    path("publico/oirs/seguimiento/<str:code>/", public.public_track, name="public_track"),
    path("publico/oirs/reabrir/", public.public_reopen, name="public_reopen"),
    *catalogue.urlpatterns,
    *inbox.urlpatterns,
    *casework.urlpatterns,
    *dashboard.urlpatterns,
]
