"""python3 -m aoizora: see aoizora/cli.py."""
import sys

from .cli import main

sys.exit(main())
