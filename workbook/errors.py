"""The error type for files: data files and workbooks. Its message is one line naming the file and the
part (key, sheet or cell) at fault; the ``kc`` command prints it and exits with code 2."""


class BookError(Exception):
    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
