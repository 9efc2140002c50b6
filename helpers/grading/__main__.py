import sys

from helpers.grading.cli import main

sys.exit(main())
