from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from xfinances.core.tenancy import company_view


@company_view("parties.view")
def party_list(request: HttpRequest) -> HttpResponse:
    return render(request, "parties/list.html", {})
