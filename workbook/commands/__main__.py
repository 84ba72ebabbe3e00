"""``python -m workbook.commands VERB ...``: the ``kc`` command without its entry-point script."""

import sys

from workbook.commands import main

sys.exit(main())
