"""Type into a cell the way a user does, in LibreOffice (headless, through UNO), and report what happened.

    /usr/bin/python3 lo_edit.py BOOK SHEET CELL TEXT PROFILE_DIR

Runs under the system Python (Debian's python3-uno). Prints one JSON line: whether the sheet is protected
and the cell locked, the value before, after typing TEXT (the dispatcher's EnterString, what the keyboard
does, which honours protection, unlike the API's setValue), and after unprotecting without a password
and typing again.
"""

import json
import os
import signal
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main():
    path, sheet_name, ref, text, profile = sys.argv[1:6]
    pipe = f"kc_lo_edit_{os.getpid()}"
    soffice = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
         "-env:UserInstallation=" + uno.systemPathToFileUrl(profile), f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 90
        while True:
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:  # noqa: BLE001 - not listening yet
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(path)), "_blank", 0,
                                           (prop("Hidden", True),))
        sheet = doc.Sheets.getByName(sheet_name)
        cell = sheet.getCellRangeByName(ref)
        controller = doc.getCurrentController()
        dispatcher = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)

        def type_text():
            controller.setActiveSheet(sheet)
            controller.select(cell)
            dispatcher.executeDispatch(controller.getFrame(), ".uno:EnterString", "", 0, (prop("StringName", text),))
            return cell.getString()

        report = {"protected": sheet.isProtected(), "locked": cell.CellProtection.IsLocked,
                  "before": cell.getString()}
        report["after_typing"] = type_text()
        sheet.unprotect("")
        report["after_unprotect"] = type_text()
        doc.close(True)
        print(json.dumps(report))
    finally:
        try:
            os.killpg(soffice.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        soffice.wait(timeout=30)


if __name__ == "__main__":
    main()
