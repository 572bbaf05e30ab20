"""Cross-border transfer rules: a pure-Python engine, versioned rule sets and assessments.

``compliance.rules.engine`` evaluates JSON-shaped, versioned rule sets against the facts of a
proposed transfer and returns an :class:`~compliance.rules.engine.Assessment` naming the rules
that fired and their legal sources; it imports no Django. The rule sets themselves are rows
(``models``), published by data migrations that carry their own frozen copy of the data
(``migrations/0002_seed_rule_sets.py`` for China, Malaysia, Singapore and Vietnam) and edited
only as new drafts through ``services``.
"""
