"""Storage: the state directory's SQLite database (``store``, schema in ``migrations``), code blobs (``blobs``),
and the records of the processes serving it (``discovery``: ``serve.json``, ``worker.json``).

``Context`` is what storage code needs of a control plane (the database and the settings that
spell ARNs): the embedded services' storage and the event sources take one, not a whole plane.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing: each warm `invoke` loads this package (cli/fast_invoke.py)
if TYPE_CHECKING:  # Context is for annotations only
    from typing import Protocol

    from lambdactl.settings import Settings
    from lambdactl.state.store import Store

    class Context(Protocol):
        @property
        def store(self) -> Store: ...

        @property
        def settings(self) -> Settings: ...
