#!/usr/bin/env python
"""Development convenience: the same as the installed `secpla` command."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

from secpla.__main__ import main  # noqa: E402

if __name__ == "__main__":
    main()
