"""All models, imported so that Base.metadata knows every table."""
import importlib
import pkgutil

from farm.models.base import Base

# Each domain module registers its tables on import; new modules join without editing this file.
for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

metadata = Base.metadata
