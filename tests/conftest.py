import sys
from pathlib import Path

# helpers shared by the test folders (tests/matrix.py) are plain modules, not a package
sys.path.insert(0, str(Path(__file__).parent))
