"""The transactional outbox: queued work is written in the same transaction as the state
change that asks for it, and published to the task queue after the commit.

A broker that is down delays the work; it never loses it. `services.enqueue` records the
intent; `services.dispatch` publishes it once the transaction has committed (a broker that
does not answer within a second or two leaves it for later); the beat task
`kernel.outbox_sweep` publishes whatever is still waiting, and re-publishes work whose
subject is stuck, until the broker takes it. Tasks are idempotent, so a duplicate costs
nothing. Each message's Celery task id is the message id, so the worker's outcome (done or
failed, with the error) is written back to the row: operators see undelivered and failed
work in the admin and retry it there.
"""
