"""The admin is a face: every model admin lives beside the other faces of its app and is
registered here, when Django's admin autodiscovery imports this module."""

from marketplace.accounts import admin as accounts_admin  # noqa: F401
from marketplace.catalogue import admin as catalogue_admin  # noqa: F401
from marketplace.compliance import admin as review_admin  # noqa: F401
from marketplace.compliance.rules import admin as rules_admin  # noqa: F401
from marketplace.ledger import admin as ledger_admin  # noqa: F401
from marketplace.licensing import admin as licensing_admin  # noqa: F401
from marketplace.outbox import admin as outbox_admin  # noqa: F401
