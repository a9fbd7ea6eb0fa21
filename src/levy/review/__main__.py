"""``python -m levy.review html ...``: the same as ``levy review html ...``."""

import sys

from levy.review.run import main

sys.exit(main())
