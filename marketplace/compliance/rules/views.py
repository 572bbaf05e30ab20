"""HTML face of the transfer rules: "Check a transfer" for signed-in users."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.selectors import active_organization
from compliance.rules import services
from compliance.rules.exceptions import InvalidFacts
from compliance.rules.models import Decision, Mechanism, Obligation, TransferAssessment
from kernel.exceptions import DomainError
from marketplace.compliance.rules.forms import TransferCheckForm

DECISION_BADGES = {
    Decision.ALLOW: "badge-ok",
    Decision.ALLOW_WITH_MECHANISM: "badge-warn",
    Decision.MANUAL_REVIEW: "badge-warn",
    Decision.BLOCK: "badge-err",
}


def _safe_link(url) -> str | None:
    """Only https links are rendered as links (a rule's source is data staff can edit)."""
    return url if isinstance(url, str) and url.startswith("https://") else None


def _result_context(record: TransferAssessment) -> dict:
    mechanism_labels = dict(Mechanism.choices)
    obligation_labels = dict(Obligation.choices)
    return {
        "record": record,
        "decision_label": Decision(record.decision).label,
        "decision_badge": DECISION_BADGES[record.decision],
        "mechanisms": [(m, mechanism_labels.get(m, m)) for m in record.mechanisms_any_of],
        "obligations": [(o, obligation_labels.get(o, o)) for o in record.obligations],
        "fired": [
            {
                "code": rule.get("code"),
                "rule_set": rule.get("rule_set"),
                "version": rule.get("version"),
                "explanation": rule.get("explanation"),
                "citation": (rule.get("source") or {}).get("citation"),
                "url": _safe_link((rule.get("source") or {}).get("url")),
            }
            for rule in record.rules
        ],
    }


@login_required
@require_http_methods(["GET", "POST"])
def transfer_check(request):
    result = None
    if request.method == "POST":
        form = TransferCheckForm(request.POST)
        if form.is_valid():
            try:
                record = services.transfer_assess(
                    facts=form.facts(),
                    on=form.cleaned_data.get("on"),
                    actor=request.user,
                    organization=active_organization(request),
                    context=TransferAssessment.Context.PRE_CHECK,
                )
            except InvalidFacts as exc:
                for name, message in exc.errors.items():
                    form.add_error(name if name in form.fields else None, message)
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                result = _result_context(record)
    else:
        form = TransferCheckForm()
    return render(request, "compliance/transfer_check.html", {"form": form, "result": result})
