import sys

from tooling.grading.cli import main

sys.exit(main())
