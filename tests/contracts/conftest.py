"""Lets the contract tests import their shared stand-ins (contract_fixtures.py) by name."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
