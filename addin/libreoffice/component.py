"""The Python UNO component the Basic wrappers call (service org.kc.addin.KcAddin), as it goes into the
extension: ``addin.libreoffice.extension`` copies this file's text with SEARCH_PATHS filled in.

It runs in LibreOffice's own Python, which knows neither the project nor its packages: on the first call
it puts the folders the builder found (the project's code, and the site-packages numpy came from) at the
front of ``sys.path``, then hands the call to ``addin.libreoffice.bridge``. The interface type
(org.kc.addin.XKcAddin, from the extension's type library) is imported when the first instance is made,
not at import: ``unopkg add`` imports this file before the type library is registered ("No module named
'com'"/'org' otherwise). Nothing here raises into Basic: an exception there would be a Basic runtime error.
"""

import sys

import unohelper

IMPLEMENTATION = "org.kc.addin.KcAddin"
SERVICES = (IMPLEMENTATION,)
SEARCH_PATHS = []  # filled in by the extension builder: [project code folder, site-packages, ...]

_bridge = None
_failure = None


def _call(name, args):
    global _bridge, _failure
    if _bridge is None and _failure is None:
        try:
            for folder in reversed(SEARCH_PATHS):
                if folder not in sys.path:
                    sys.path.insert(0, folder)
            from addin.libreoffice import bridge
            _bridge = bridge
        except Exception as error:  # noqa: BLE001 - said in the cell, in one line
            _failure = "the KC Python code could not be loaded in LibreOffice ({}: {}); run kc libreoffice-setup " \
                       "again".format(type(error).__name__, " ".join(str(error).split()))
    if _bridge is None:
        return "{}: {}".format(name, _failure)
    return _bridge.call(name, args)


def _component_class():
    from org.kc.addin import XKcAddin

    class KcAddin(unohelper.Base, XKcAddin):
        def __init__(self, ctx):
            self.ctx = ctx

        def KCCALL(self, name, args):
            try:
                return _call(name, args)
            except BaseException as error:  # noqa: BLE001 - never into Basic
                return "{}: unexpected failure in LibreOffice ({})".format(name, type(error).__name__)

    return KcAddin


_class = None


def create_instance(ctx):
    global _class
    if _class is None:
        _class = _component_class()
    return _class(ctx)


g_ImplementationHelper = unohelper.ImplementationHelper()
g_ImplementationHelper.addImplementation(create_instance, IMPLEMENTATION, SERVICES)
