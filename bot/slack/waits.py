"""How long a request waits for the database before Slack is answered without it.

Slack drops a request not acknowledged within 3 seconds, and a ``views.open`` with its trigger id
must fit in them too. So the reads that come before an acknowledgement (the workspace gate, the
peer-channel check, in OAuth mode the installation) run on a few threads of their own and are
waited for at most :data:`LOOKUP_WAIT_S`: a database that is down, restarting or silent (accepts
connections and never answers) gives a TimeoutError then, and the request is answered at once
with "couldn't reach the database, nothing was saved".
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

T = TypeVar("T")

#: Seconds a request waits for the database before it is answered without it (leaves time for
#: ``views.open`` inside Slack's 3 seconds).
LOOKUP_WAIT_S = 1.5
_READS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="db-wait")


def waited(read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``read(*args, **kwargs)``, waiting at most :data:`LOOKUP_WAIT_S` for it; raises what it
    raises (e.g. SQLAlchemyError), or TimeoutError when the database takes longer."""
    future = _READS.submit(read, *args, **kwargs)
    try:
        return future.result(timeout=LOOKUP_WAIT_S)
    except FutureTimeout:
        future.cancel()
        raise
