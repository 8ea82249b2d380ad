"""Sign in, sign out and password reset (Django's views with GOV.UK forms), two-factor
authentication and the profile page.
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from .forms import PasswordResetForm, SetPasswordForm, SignInForm
from .views import account

urlpatterns = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            authentication_form=SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=PasswordResetForm,
            email_template_name="emails/password_reset/body.txt",
            subject_template_name="emails/password_reset/subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            form_class=SetPasswordForm, success_url=reverse_lazy("password_reset_complete")
        ),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("profile/", account.profile, name="profile"),
    path("two-factor/set-up/", account.setup, name="two_factor_setup"),
    path("two-factor/verify/", account.verify, name="two_factor_verify"),
    path(
        "two-factor/recovery-codes/",
        account.recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("two-factor/confirm/", account.confirm, name="two_factor_confirm"),
    path("two-factor/turn-off/", account.turn_off, name="two_factor_turn_off"),
]
