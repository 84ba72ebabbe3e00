"""The one exception type the core raises for bad input.

Every message is a single line that names the argument and shows the offending value, because in
Excel the message is all the analyst sees in the cell.
"""


class KCInputError(ValueError):
    """An argument of a KC valuation function is missing, malformed or out of range."""

    def __init__(self, message: str):
        # A message that spans lines would be cut in a cell; keep the first line only.
        super().__init__(" ".join(str(message).split()))
