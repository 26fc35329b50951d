from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from wangge.access import alerts
from wangge.access.forms import LoginForm
from wangge.core.errors import ServiceError
from wangge.core.web import service_errors


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
@service_errors
def search_alerts(request: HttpRequest) -> HttpResponse:
    """District admins: bursts of exact searches that found nobody (issue 12, attack 2)."""
    if request.method == "POST":
        alert_id = request.POST.get("alert", "")
        if not alert_id.isdigit():
            raise ServiceError(_("请选择要处理的告警"))
        alerts.acknowledge(request.user, int(alert_id), request.POST.get("note", ""))
        return redirect("access:search_alerts")
    return render(
        request, "access/search_alerts.html", {"alerts": alerts.list_alerts(request.user)[:200]}
    )
