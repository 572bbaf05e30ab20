"""Review workflow, automated checks, transfer rules and the audit ledger."""
