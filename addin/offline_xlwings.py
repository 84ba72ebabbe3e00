"""xlwings' Windows UDF machinery, run without Windows.

xlwings' real UDF code (``xlwings.udfs``: the decorators that attach Excel metadata, ``call_udf`` that
converts Excel's values and calls a function, ``import_udfs`` that writes the VBA wrappers) imports
pywin32 and touches Excel's COM objects. Stand-ins for those let this machine run the very same code:
tests push Excel-shaped values through it, the VBA that *Import Functions* would write is generated
here for review, and the benchmark measures the per-call conversion cost.

Installing the stand-ins puts modules named ``pythoncom``, ``pywintypes`` and ``win32*`` into
``sys.modules``; call ``install()`` only in a process meant for this (tests, ``kc vba``, benchmarks),
never on Windows.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import importlib
import io
import sys
import types

MISSING = -2147352572  # what pywin32 hands over for an omitted VBA Optional argument
RANGE_IID = "{00020846-0000-0000-C000-000000000046}"  # Excel.Range, checked by xlwings' Windows layer


class _Absorber:
    """Accepts any attribute or call: stands in for ctypes' Windows DLL loaders at import time."""

    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return _Absorber()

    def __call__(self, *args, **kwargs):
        return _Absorber()


def _module(name: str, **attrs) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


def _install_pywin32_standins() -> None:
    if getattr(sys.modules.get("pythoncom"), "_kc_standin", False):
        return
    if sys.platform.startswith("win"):
        raise RuntimeError("offline_xlwings is for machines without Excel; on Windows use xlwings itself")

    class com_error(Exception):  # noqa: N801 - pywin32's name
        def __init__(self, *args):
            super().__init__(*args)
            self.hresult = args[0] if args else None

    class PyIDispatch:
        pass

    iid_dispatch = "{00020400-0000-0000-C000-000000000046}"
    _module("pythoncom", _kc_standin=True, __file__="pythoncom-standin", IID_IDispatch=iid_dispatch,
            TypeIIDs={iid_dispatch: PyIDispatch}, ole_error=com_error,
            CoInitialize=lambda *a: None, CoUninitialize=lambda *a: None,
            CoMarshalInterThreadInterfaceInStream=lambda iid, obj: obj,
            CoGetInterfaceAndReleaseStream=lambda stream, iid: stream)
    _module("pywintypes", com_error=com_error, error=com_error, IID=lambda s: s.upper(),
            TimeType=type("TimeType", (dt.datetime,), {}))
    for name in ("win32api", "win32con", "win32event", "win32gui"):
        _module(name)
    _module("win32process", GetWindowThreadProcessId=lambda hwnd: (0, 4242))
    _module("win32timezone", TimeZoneInfo=types.SimpleNamespace(utc=lambda: dt.timezone.utc))
    win32com = _module("win32com", __path__=[])
    win32com.client = _module("win32com.client", Dispatch=lambda o, *a, **k: o, DispatchEx=lambda o, *a, **k: o,
                              CDispatch=type("CDispatch", (), {}),
                              CoClassBaseClass=type("CoClassBaseClass", (), {}),
                              DispatchBaseClass=type("DispatchBaseClass", (), {}))
    server = win32com.server = _module("win32com.server", __path__=[])

    def unwrap(obj):
        raise TypeError("not a wrapped Python object")

    server.util = _module("win32com.server.util", wrap=lambda o, *a, **k: o, unwrap=unwrap)
    server.policy = _module("win32com.server.policy", DefaultPolicy=object)
    server.dispatcher = _module("win32com.server.dispatcher")


@contextlib.contextmanager
def _windows_ctypes():
    saved = {name: getattr(ctypes, name, None) for name in ("windll", "oledll", "PyDLL")}
    ctypes.windll = ctypes.oledll = _Absorber()
    ctypes.PyDLL = _Absorber
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                delattr(ctypes, name)
            else:
                setattr(ctypes, name, value)


def install():
    """Idempotent. Returns xlwings' real ``udfs`` and ``com_server`` modules."""
    _install_pywin32_standins()
    import xlwings

    with _windows_ctypes():
        from xlwings import _xlwindows
    if "excel" not in [engine.name for engine in xlwings.engines]:
        xlwings.engines.add(xlwings.Engine(impl=_xlwindows.engine))
    from xlwings import com_server, udfs

    return udfs, com_server


@contextlib.contextmanager
def real_decorators():
    """Bind xw.func/arg/ret to xlwings' Windows decorators, as xlwings does on import under Windows."""
    import xlwings as xw
    from xlwings import udfs

    new = {"func": udfs.xlfunc, "arg": udfs.xlarg, "ret": udfs.xlret, "sub": udfs.xlsub}
    old = {name: getattr(xw, name) for name in new}
    for name, decorator in new.items():
        setattr(xw, name, decorator)
    try:
        yield
    finally:
        for name, decorator in old.items():
            setattr(xw, name, decorator)


def load_udf_module(name: str) -> types.ModuleType:
    """A fresh import of a UDF module under the real decorators (its functions carry __xlfunc__)."""
    udfs, _ = install()
    sys.modules.pop(name, None)
    udfs.udf_modules.pop(name, None)
    with real_decorators():
        module = importlib.import_module(name)
    udfs.get_udf_module(name, None)  # cache it, as Excel's first call would
    return module


class _Count:
    def __init__(self, n):
        self.Count = n


class CallerRange:
    """The calling cell (``Application.Caller``) or a range argument, as pywin32 hands it over."""

    def __init__(self, value=None, address="$A$1", rows=1, cols=1, sheet="Sheet1", book="Model.xlsm"):
        type_attr = types.SimpleNamespace(iid=RANGE_IID)
        self._oleobj_ = types.SimpleNamespace(
            GetTypeInfo=lambda: types.SimpleNamespace(GetTypeAttr=lambda: type_attr))
        self.Value, self.Address, self.CLSID = value, address, RANGE_IID
        self.Rows, self.Columns, self.Row, self.Column = _Count(rows), _Count(cols), 1, 1
        app = types.SimpleNamespace(Hwnd=1, Version="16.0")
        self.Worksheet = types.SimpleNamespace(Name=sheet, Parent=types.SimpleNamespace(Name=book, Application=app))
        self.Formula = self.Formula2 = self.FormulaArray = "=F()"


class _Workbook:
    """Just enough of Excel's Workbook for xlwings' *Import Functions* to write into."""

    def __init__(self, name: str):
        self.Name, self.macro_options, self.bas = name, [], None
        self.Application = types.SimpleNamespace(
            Version="16.0", MacroOptions=lambda macro, **kw: self.macro_options.append((macro, kw)))

        def components(component_name):
            return component_name

        components.Remove = lambda component: None
        components.Import = lambda path: setattr(self, "bas", open(path, encoding="utf-8").read())
        self.VBProject = types.SimpleNamespace(VBComponents=components)


def import_functions(module_names: str, workbook_name: str = "KC_Model.xlsm"):
    """xlwings' *Import Functions*: the text of the ``xlwings_udfs`` VBA module and the
    ``Application.MacroOptions`` calls (descriptions, category, argument help) it makes."""
    udfs, _ = install()
    for name in module_names.split(";"):
        load_udf_module(name)
    workbook = _Workbook(workbook_name)
    with contextlib.redirect_stdout(io.StringIO()):
        udfs.import_udfs(module_names, workbook)
    return workbook.bas.replace("\r\n", "\n"), workbook.macro_options


def call_from_cell(module_name: str, function_name: str, args: tuple, address: str = "$B$2"):
    """What Excel's VBA wrapper does for a cell formula: ``XLPy.CallUDF(...)`` with the caller, through
    xlwings' COM server object. Returns what the cell receives."""
    _, com_server = install()
    return com_server.XLPython().CallUDF(module_name, function_name, tuple(args), None, CallerRange(address=address))
