"""LibreOffice Calc as the second spreadsheet host of the KC_* functions.

How a plain ``=KC_DCF(...)`` cell of an .xlsx computes in LibreOffice (found on Debian's 7.4.7): Calc binds
an unknown function name of an .xlsx to a LibreOffice Basic function of the same name in the
application's *Standard* library (My Macros), and to nothing else: a Calc add-in's ``CompatibilityName``,
the ``_xludf.`` prefix and a Basic library shipped inside an extension do not bind on .xlsx import. So:

* ``basic``: one Basic wrapper per function of ``addin.catalog``, generated (never written by hand), each
  forwarding its arguments to
* ``component``: a Python UNO component (service ``org.kc.addin.KcAddin``, one IDL method
  ``any KCCALL(string name, sequence<any> args)``) that runs in LibreOffice's own Python, puts the
  project's folders on its search path and calls
* ``bridge``: the conversions between what Basic hands over and what our callables
  (``addin.registry``) take, so every argument, default and one-line message is the one Excel shows.
* ``extension``: the IDL, compiled with ``unoidl-write`` (Debian ``libreoffice-dev``), and the ``.oxt``
  (manifest, description, type library, component), installed with ``unopkg add``.
* ``profile``: LibreOffice profiles: where the wrappers go (a given profile, the user's own, or the
  installation's presets for every new profile), and the private profile of a headless recalculation
  (every formula recalculated on load).
* ``setup``: ``kc libreoffice-setup``'s work, from finding the programs to the report.

What differs from Excel (all seen on 7.4.7): an argument skipped in the middle, ``f(a,,c)``, reaches the
wrapper as 0, not as "empty" (write "" for a skipped argument: every host reads it as the default); an
error value in an argument is shown as that error, without calling the function (Excel's cell names the
argument); TRUE/FALSE arrive as 1/0; there is no dynamic-array spill, so a spilled result needs an
array formula over its range (an .xlsx's dynamic arrays are imported as such).

Newer LibreOffice releases were not available to try (only Debian 12's 7.4.7 is). What would change there
is to be checked, not assumed: whether .xlsx import binds an add-in's CompatibilityName (the wrappers
would then be unnecessary, though harmless); the embedded Python's version (a newer Debian ships a newer
Python, and numpy from a venv of another version cannot load there: the setup refuses that in one line);
the Basic value passing described in ``bridge``.

Nothing here imports ``workbook``: the ``kc`` verb (``workbook.commands.libreoffice``) and the
recalculation engine (``workbook.calc.libreoffice_engine``) call in from above.
"""

from __future__ import annotations

IDENTIFIER = "org.kc.addin"                 # the extension's identifier (unopkg add / remove)
SERVICE = "org.kc.addin.KcAddin"            # the component's implementation and service name
INTERFACE = "org.kc.addin.XKcAddin"         # its IDL interface
BASIC_MODULE = "KcFunctions"                # the Basic module of wrappers in the Standard library
NOT_INSTALLED = "the KC extension is not installed in LibreOffice; run kc libreoffice-setup"


class SetupError(Exception):
    """Something the LibreOffice side cannot do, in one line naming what and where."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
