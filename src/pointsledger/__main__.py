"""``python -m pointsledger``: the ``pointsledger`` command."""

import sys

from pointsledger.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
