"""``python -m planner``: the ``planner`` command line (in the project's environment, see
:mod:`planner.bootstrap`, when run by an interpreter without the dependencies)."""

import sys

from planner.bootstrap import ensure_environment

if __name__ == "__main__":
    ensure_environment(sys.argv[1:])
    from planner.cli import main

    main()
