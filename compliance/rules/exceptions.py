"""Domain errors of the transfer rules: the project's exception handler renders them."""

from collections.abc import Mapping

from django.utils.translation import gettext as _

from kernel.exceptions import Conflict, InvalidInput


class InvalidFacts(InvalidInput):
    """The facts of a transfer are structurally invalid (HTTP 400).

    ``errors`` maps every bad field to its message; ``field`` is the first of them, so a
    handler that only knows ``DomainError`` still names one field.
    """

    code = "invalid_facts"

    def __init__(self, errors: Mapping[str, str]):
        self.errors: dict[str, str] = dict(errors)
        first = next(iter(self.errors))
        message = "; ".join(f"{name}: {text}" for name, text in self.errors.items())
        super().__init__(message, field=first)


class RuleSetNotEditable(Conflict):
    """Only a draft rule set (and its rules) can change; an in-force set never does."""

    code = "rule_set_not_editable"

    def __init__(self, rule_set):
        super().__init__(
            _(
                "Rule set %(rule_set)s is %(status)s and cannot be edited; create a new draft "
                "version instead."
            )
            % {"rule_set": rule_set, "status": rule_set.get_status_display().lower()}
        )
