import sys

from tooling.grading.cli import main

if __name__ == "__main__":  # (worker processes import this module as __mp_main__: nothing to run)
    sys.exit(main())
