"""The pandera models: one per table, composed from the field catalogue (fields.py)."""
import importlib.util
import sys

# pandera asks whether a dtype is geopandas' by trying `from geopandas.array import ...` for every
# column it builds or checks; without geopandas each try is a failed search of sys.path (about
# 1,000 per build, 0.1-0.2 s). Where geopandas is not installed, recording it as absent makes
# that failure immediate; where it is installed, nothing changes.
if "geopandas" not in sys.modules and importlib.util.find_spec("geopandas") is None:
    sys.modules["geopandas"] = None
