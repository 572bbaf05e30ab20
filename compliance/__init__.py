"""The review workflow (models, services, selectors), its automated checks (`checks/`) and
the cross-border transfer rules (`rules/`). The audit ledger is in the kernel, below."""
