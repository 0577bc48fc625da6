from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from secpla.budget import api as budget_api
from secpla.core import api as core_api
from secpla.core import views as core_views
from secpla.planning import api as planning_api
from secpla.projects import api as projects_api

router = DefaultRouter()
router.register("regions", core_api.RegionViewSet, basename="region")
router.register("comunas", core_api.ComunaViewSet, basename="comuna")
router.register("municipality", core_api.MunicipalityViewSet, basename="municipality")
router.register("directorates", core_api.DirectorateViewSet, basename="directorate")
router.register("departments", core_api.DepartmentViewSet, basename="department")
router.register("roles", core_api.RoleViewSet, basename="role")
router.register("users", core_api.UserViewSet, basename="user")
router.register("utm-values", core_api.UTMValueViewSet, basename="utmvalue")
router.register("regional-holidays", core_api.RegionalHolidayViewSet, basename="regionalholiday")
router.register("local-holidays", core_api.LocalHolidayViewSet, basename="localholiday")
router.register("organisations", core_api.OrganisationViewSet, basename="organisation")
router.register("contacts", core_api.ContactViewSet, basename="contact")
router.register("agreements", core_api.AgreementViewSet, basename="agreement")
router.register("changelog", core_api.ChangeLogEntryViewSet, basename="changelogentry")
planning_api.register(router)
projects_api.register(router)
budget_api.register(router)

api_v1 = [
    path("calendar/add-business-days", core_api.add_business_days, name="calendar-add"),
    path("calendar/is-business-day", core_api.is_business_day, name="calendar-check"),
    path("calendar/business-days-between", core_api.business_days_between, name="calendar-between"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("", core_views.home, name="home"),
    path(
        "cuenta/ingresar/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("cuenta/salir/", auth_views.LogoutView.as_view(), name="logout"),
    path("cuenta/contrasena/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "cuenta/contrasena/lista/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("", include("secpla.core.urls")),
    path("", include("secpla.planning.urls")),
    path("", include("secpla.projects.urls")),
    path("", include("secpla.budget.urls")),
    path("", include("secpla.citizen_requests.urls")),
    path("open311/v2/", include("secpla.citizen_requests.open311_urls")),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("api/schema/", login_required(SpectacularAPIView.as_view()), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("django-admin/", admin.site.urls),
]
