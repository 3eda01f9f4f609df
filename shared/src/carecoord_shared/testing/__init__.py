"""In-memory fakes of the unit of work and its ports, for fast handler unit tests.

A handler (an operation, a consumer, a job) only reaches data through its unit of
work: the resource store, `grants`, `outbox` and the service's own repositories. These
fakes keep all of that in dictionaries, so a handler's rules can be tested in
milliseconds. Each fake is held to the real thing by a contract test run against both
(`shared/tests/integration/test_port_contracts.py`); what a fake does not support
(chained search, `_include`, dates) raises rather than answering wrongly.
"""

from carecoord_shared.testing.ports import AuditedAccess, InMemoryGrants, InMemoryOutbox
from carecoord_shared.testing.store import InMemoryInteractions, InMemoryTransaction

__all__ = [
    "AuditedAccess",
    "InMemoryGrants",
    "InMemoryInteractions",
    "InMemoryOutbox",
    "InMemoryTransaction",
]
