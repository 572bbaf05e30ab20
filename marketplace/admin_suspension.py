"""Suspend and reinstate as admin actions, with the reason typed beside the action menu.

Licences and products are suspended the same way: exchange staff select rows, write the
reason (required by the services) and pick the action; each row goes through the same
service as the API, and each outcome is reported.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.utils.translation import gettext_lazy as _

from kernel.exceptions import DomainError


class ReasonActionForm(ActionForm):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        help_text=_("Required to suspend or reinstate (e.g. a regulator's order)."),
    )


class SuspensionActions:
    """Admin actions calling ``suspend_service``/``reinstate_service`` (static methods taking
    the row as ``row_argument``, ``actor`` and ``reason``) for staff with ``permission``."""

    action_form = ReasonActionForm
    actions = ["suspend", "reinstate"]
    permission = ""
    row_argument = ""
    suspend_label = ""
    reinstate_label = ""
    suspended_message = ""
    reinstated_message = ""

    def get_actions(self, request):
        actions = super().get_actions(request)
        for name, label in (("suspend", self.suspend_label), ("reinstate", self.reinstate_label)):
            if name in actions:
                func, action_name, _description = actions[name]
                actions[name] = (func, action_name, label)
        return actions

    def has_suspend_permission(self, request):
        return request.user.has_perm(self.permission)

    def _run(self, request, queryset, service, done: str) -> None:
        reason = request.POST.get("reason", "")
        changed = 0
        for obj in queryset:
            try:
                service(**{self.row_argument: obj}, actor=request.user, reason=reason)
            except DomainError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("Suspend the selected rows"), permissions=["suspend"])
    def suspend(self, request, queryset):
        self._run(request, queryset, self.suspend_service, self.suspended_message)

    @admin.action(description=_("Reinstate the selected rows"), permissions=["suspend"])
    def reinstate(self, request, queryset):
        self._run(request, queryset, self.reinstate_service, self.reinstated_message)
