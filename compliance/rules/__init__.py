"""Cross-border transfer rules: a pure-Python engine and the seed rule sets.

``compliance.rules.engine`` evaluates JSON-shaped, versioned rule sets against the facts of a
proposed transfer and returns an :class:`~compliance.rules.engine.Assessment` naming the rules
that fired and their legal sources. ``compliance.rules.seed`` holds the seed rule sets for
China, Malaysia, Singapore and Vietnam as plain data. Neither module imports Django: the
models that store rule sets and the admin that edits them live elsewhere and call
``validate_rule_set`` before saving and ``assess`` when a transfer needs an answer.
"""
