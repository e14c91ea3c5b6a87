from django.urls import path

from api import action_views, dossier_views, oauth, views, webhook_views

urlpatterns = [
    path("client/", views.ClientView.as_view(), name="client"),
    path("oauth/token", oauth.TokenView.as_view(), name="oauth-token"),
    path("dossiers/", dossier_views.DossierListView.as_view(), name="dossier-list"),
    path("dossiers/<str:code>/", dossier_views.DossierDetailView.as_view(), name="dossier-detail"),
    path(
        "dossiers/<str:code>/documents/",
        dossier_views.DocumentListView.as_view(),
        name="dossier-documents",
    ),
    path(
        "dossiers/<str:code>/documents/<str:pk>/file",
        dossier_views.DocumentFileView.as_view(),
        name="dossier-document-file",
    ),
    path(
        "dossiers/<str:code>/issued/<str:pk>/file",
        dossier_views.IssuedFileView.as_view(),
        name="dossier-issued-file",
    ),
    path(
        "dossiers/<str:code>/actions/",
        action_views.ActionListView.as_view(),
        name="dossier-actions",
    ),
    path(
        "dossiers/<str:code>/actions/<str:action>/",
        action_views.ActionView.as_view(),
        name="dossier-action",
    ),
    path("webhooks/", webhook_views.SubscriptionListView.as_view(), name="webhook-list"),
    path(
        "webhooks/deliveries/",
        webhook_views.DeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "webhooks/<str:ref>/",
        webhook_views.SubscriptionDetailView.as_view(),
        name="webhook-detail",
    ),
]
