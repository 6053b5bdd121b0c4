"""Storage: the state directory's SQLite database (``store``, schema in ``migrations``), code blobs (``blobs``),
and the records of the processes serving it (``discovery``: ``serve.json``, ``worker.json``).

``Context`` is what storage code needs of a control plane (the database and the settings that
spell ARNs): the embedded services' storage and the event sources take one, not a whole plane.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from lambdactl.settings import Settings
    from lambdactl.state.store import Store


class Context(Protocol):
    @property
    def store(self) -> Store: ...

    @property
    def settings(self) -> Settings: ...
