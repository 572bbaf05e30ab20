"""Writes of the review workflow, one module per concern.

- ``lifecycle``: the stage and case state machines and the SLA calendar;
- ``notifications``: what the exchange tells an organisation (dashboard and e-mail);
- ``cases``: submitting a version opens a case, stages start in turn, the case closes;
- ``checking``: a stage's automated checks (and the Celery task that runs them);
- ``decisions``: reviewers claim, assign, decide and comment.
"""
