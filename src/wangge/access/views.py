from __future__ import annotations

from django.contrib.auth import views as auth_views

from wangge.access.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "access/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
