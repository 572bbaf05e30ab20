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
    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            accepted = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in accepted)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [_("Unknown field: this operation does not accept it.")]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)


class ReasonSerializer(StrictSerializer):
    """Delisting, revoking, suspending and reinstating always say why."""

    reason = serializers.CharField(max_length=1000, help_text="Recorded on the audit ledger.")
