"""Browser pages of the accounts app: sign-up, log-in, organisation, members, API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from accounts import selectors, services
from accounts.models import Membership, Organization
from kernel.exceptions import DomainError
from marketplace.accounts.forms import (
    ApiTokenForm,
    InviteForm,
    OrganizationProfileForm,
    SignUpForm,
    SwitchOrganizationForm,
)


def rate_limited(request, exception=None):
    """Shown instead of the page when a client tries too often (HTTP 429)."""
    body = render_to_string("accounts/rate_limited.html", request=request)
    return HttpResponse(body, status=429)


def _ratelimit_login(view):
    rate = settings.LOGIN_RATE_LIMIT
    view = ratelimit(key="ip", rate=rate, method="POST", block=True)(view)
    return ratelimit(key="post:username", rate=rate, method="POST", block=True)(view)


@method_decorator(_ratelimit_login, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@method_decorator(
    ratelimit(key="ip", rate=lambda g, r: settings.LOGIN_RATE_LIMIT, method="POST", block=True),
    name="dispatch",
)
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


@ratelimit(key="ip", rate=lambda g, r: settings.SIGNUP_RATE_LIMIT, method="POST", block=True)
def sign_up(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, org = services.user_sign_up(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                legal_name=data["legal_name"],
                jurisdiction=data["jurisdiction"],
                registration_number=data["registration_number"],
                is_provider=data["role"] in ("provider", "both"),
                is_buyer=data["role"] in ("buyer", "both"),
                website=data["website"],
                recipient_type=data["recipient_type"] or Organization.RecipientType.COMPANY,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[selectors.ACTIVE_ORG_SESSION_KEY] = org.pk
            messages.success(
                request,
                _(
                    "Welcome! %(org)s is registered and awaits verification by the exchange. "
                    "You can browse the catalogue meanwhile."
                )
                % {"org": org.legal_name},
            )
            return redirect("accounts:organization", slug=org.slug)
    return render(request, "accounts/signup.html", {"form": form})


def _member_org_or_404(request, slug):
    org = selectors.organization_for_member(request.user, slug)
    if org is None:
        raise Http404
    return org


@login_required
def my_organization(request):
    org = selectors.active_organization(request)
    if org is None:
        messages.info(request, _("You do not belong to any organisation yet."))
        return redirect("home")
    return redirect("accounts:organization", slug=org.slug)


@login_required
def organization_detail(request, slug):
    org = _member_org_or_404(request, slug)
    membership = selectors.membership_of(request.user, org)
    is_admin = membership.is_admin
    profile_form = OrganizationProfileForm(
        request.POST if request.method == "POST" and is_admin else None,
        initial=OrganizationProfileForm.initial_for(org),
    )
    if request.method == "POST":
        if not is_admin:
            raise Http404
        if profile_form.is_valid():
            try:
                services.organization_update_profile(
                    organization=org, actor=request.user, **profile_form.cleaned_data
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Organisation profile saved."))
                return redirect("accounts:organization", slug=org.slug)
    return render(
        request,
        "accounts/organization.html",
        {
            "org": org,
            "membership": membership,
            "is_admin": is_admin,
            "members": selectors.members_of(org),
            "profile_form": profile_form,
            "invite_form": InviteForm(),
            "roles": Membership.Role.choices,
        },
    )


@login_required
@require_POST
def member_invite(request, slug):
    org = _member_org_or_404(request, slug)
    form = InviteForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("accounts:organization", slug=org.slug)
    try:
        services.membership_invite(
            organization=org,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            invited_by=request.user,
            request_base=request.build_absolute_uri("/"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
        )
    return redirect("accounts:organization", slug=org.slug)


@login_required
@require_POST
def member_remove(request, slug, membership_id):
    org = _member_org_or_404(request, slug)
    membership = get_object_or_404(Membership, pk=membership_id, organization=org)
    try:
        services.membership_remove(membership=membership, removed_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("accounts:organization", slug=org.slug)
    if membership.user_id == request.user.pk:
        messages.success(request, _("You have left %(org)s.") % {"org": org.legal_name})
        return redirect("home")
    messages.success(request, _("%(user)s was removed.") % {"user": membership.user.email})
    return redirect("accounts:organization", slug=org.slug)


@login_required
@require_POST
def member_role(request, slug, membership_id):
    org = _member_org_or_404(request, slug)
    membership = get_object_or_404(Membership, pk=membership_id, organization=org)
    try:
        services.membership_set_role(
            membership=membership, role=request.POST.get("role", ""), changed_by=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Role updated."))
    return redirect("accounts:organization", slug=org.slug)


@login_required
@require_POST
def switch_organization(request):
    form = SwitchOrganizationForm(request.POST)
    org = (
        selectors.organization_for_member(request.user, form.data.get("organization", ""))
        if form.is_valid()
        else None
    )
    if org is None:
        raise Http404
    request.session[selectors.ACTIVE_ORG_SESSION_KEY] = org.pk
    messages.success(request, _("You are now acting for %(org)s.") % {"org": org.legal_name})
    target = form.cleaned_data.get("next") or reverse("home")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("home")
    return redirect(target)


@login_required
def api_tokens(request):
    org = selectors.active_organization(request)
    if org is None:
        messages.info(request, _("Join an organisation before creating API tokens."))
        return redirect("home")
    form = ApiTokenForm(request.POST or None)
    new_token = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_token = services.api_token_create(
                user=request.user,
                organization=org,
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                processing_jurisdiction=form.cleaned_data["processing_jurisdiction"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            form = ApiTokenForm()
    response = render(
        request,
        "accounts/api_tokens.html",
        {
            "org": org,
            "form": form,
            "new_token": new_token,
            "tokens": selectors.tokens_of(request.user, org),
        },
    )
    if new_token:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request, token_id):
    token = get_object_or_404(selectors.tokens_of(request.user), pk=token_id)
    try:
        services.api_token_revoke(token=token, revoked_by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:api_tokens")
