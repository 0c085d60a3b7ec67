from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.static import serve

from xfinances.api import api
from xfinances.core import views as core_views
from xfinances.notifications import views as notifications_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("xfinances.core.urls")),
    path("c/<str:eik>/parties/", include("xfinances.parties.urls")),
    path("c/<str:eik>/treasury/", include("xfinances.treasury.urls")),
    path("c/<str:eik>/catalog/", include("xfinances.catalog.urls")),
    path("c/<str:eik>/documents/", include("xfinances.invoicing.urls")),
    path("c/<str:eik>/payments/", include("xfinances.payments.urls")),
    path("c/<str:eik>/purchases/", include("xfinances.purchases.urls")),
    path("c/<str:eik>/accounting/", include("xfinances.accounting.urls")),
    # A document's delivery pages keep their address beside the outbox's.
    path("c/<str:eik>/delivery/documents/", include("xfinances.invoicing.delivery_urls")),
    path("c/<str:eik>/delivery/", include("xfinances.notifications.urls")),
    path("t/<str:token>.gif", notifications_views.tracking_pixel, name="tracking_pixel"),
    path("portal/", include("xfinances.portal.urls")),
    path("api/v1/", api.urls),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

urlpatterns.append(path("c/<str:eik>/banking/", include("xfinances.banking.urls")))

if settings.DEBUG:
    urlpatterns.append(path("files/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}))
