"""Transfer assessment API routes (included under /api/v1/ in the `api` namespace)."""

from django.urls import path

from marketplace.compliance.rules import api

assessment_list = api.TransferAssessmentViewSet.as_view({"get": "list", "post": "create"})
assessment_detail = api.TransferAssessmentViewSet.as_view({"get": "retrieve"})

urlpatterns = [
    path("transfer-assessments/", assessment_list, name="transfer-assessment-list"),
    path("transfer-assessments/<int:pk>/", assessment_detail, name="transfer-assessment-detail"),
]
