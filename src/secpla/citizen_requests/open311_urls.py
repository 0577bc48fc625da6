"""Open311 GeoReport v2 routes, mounted at /open311/v2/ (see open311.py). Every
resource ends in .json or .xml; index.md's `requests/{id}` and swagger.json's
`request/{id}` are both served."""

from django.urls import re_path

from secpla.citizen_requests import open311

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"
CODE = r"(?P<service_code>[-\w]+)"
REQUEST_ID = r"(?P<service_request_id>[-\w]+)"

urlpatterns = [
    re_path(rf"^services{FMT}", open311.services_list, name="services"),
    re_path(rf"^services/{CODE}{FMT}", open311.service_definition, name="service"),
    re_path(rf"^requests{FMT}", open311.requests_endpoint, name="requests"),
    re_path(rf"^requests/{REQUEST_ID}{FMT}", open311.request_detail, name="request"),
    re_path(rf"^request/{REQUEST_ID}{FMT}", open311.request_detail, name="request_swagger"),
    re_path(rf"^tokens/(?P<token_id>[-\w]+){FMT}", open311.token_detail, name="token"),
]
