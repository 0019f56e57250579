"""Make the shared helper module `vv_queueing` importable from the verification tests under
any pytest import mode (the folder deliberately has no __init__.py)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
