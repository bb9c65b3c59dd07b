import sys
from pathlib import Path

# the benches next to the tests are plain modules, not a package
sys.path.insert(0, str(Path(__file__).parent))
