"""API shapes shared by several apps' endpoints."""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers


# The base of every serializer that reads a request body: a field the serializer does not
# accept (unknown, or read-only) is a 400 naming it, never silently ignored, so a misspelt
# field cannot pass for an accepted one. The schema says so too (`additionalProperties:
# false`, marketplace/api/schema.py). A comment, not a docstring: drf-spectacular would
# show a docstring as the description of every request body.
class StrictSerializer(serializers.Serializer):
    # Sent by every HTML form (the browsable API's too); not a field of any operation.
    ignored = frozenset({"csrfmiddlewaretoken"})

    def to_internal_value(self, data):
        unknown = []
        if isinstance(data, Mapping):
            accepted = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(
                str(name) for name in data if name not in accepted and name not in self.ignored
            )
        message = _("Unknown field: this operation does not accept it.")
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            # Every problem at once: the unknown fields beside the invalid ones.
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError(
                    {**{name: [message] for name in unknown}, **exc.detail}
                ) from exc
            raise
        if unknown:
            raise serializers.ValidationError({name: [message] for name in unknown})
        return value


class ReasonSerializer(StrictSerializer):
    """Delisting, revoking, suspending and reinstating always say why."""

    reason = serializers.CharField(max_length=1000, help_text="Recorded on the audit ledger.")
