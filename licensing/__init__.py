"""Licence requests, licences, usage policies, access grants, metering and the query engine."""
