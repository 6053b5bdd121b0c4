"""The operation index must name exactly what the control modules register."""

import importlib
import pkgutil

import lambdactl.control
from lambdactl.plane.index import OPERATION_MODULES
from lambdactl.plane import OPERATIONS


def test_index_matches_registrations():
    for info in pkgutil.iter_modules(lambdactl.control.__path__):
        importlib.import_module(f"lambdactl.control.{info.name}")
    registered = {op: handler.__module__.rsplit(".", 1)[-1] for op, handler in OPERATIONS.items()
                  if handler.__module__.startswith("lambdactl.control.")}  # services/<service> packages are found by name
    assert registered == OPERATION_MODULES
