"""API shapes shared by several apps' endpoints."""

from rest_framework import serializers


class ReasonSerializer(serializers.Serializer):
    """Delisting, revoking, suspending and reinstating always say why."""

    reason = serializers.CharField(max_length=1000, help_text="Recorded on the audit ledger.")
