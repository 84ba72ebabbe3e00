"""LibreOffice side of bench/sensitivity.py: a persistent headless soffice driven through UNO.

Runs under the system Python (/usr/bin/python3), which is the one Debian's python3-uno serves; the
benchmark itself runs under whatever python3 has numpy and the project's packages, and talks to this
script through a pipe: one JSON object per line in (a job), one JSON object per line out (its result).

    /usr/bin/python3 bench/lo_driver.py SOFFICE PROFILE_DIR

The first line written is {"event": "ready", ...} once soffice answers (with its version and the
process-group id of soffice, so the caller can end it if this script is killed). Then for each job line
{"path": ..., "n": ..., "first_row": ..., "first_col": ..., "repeats": ..., "edits": ..., "values_out": ...}
it loads the workbook once, recalculates it once untimed (the first recalculation after load), then
times ``calculateAll()`` ``repeats`` times, optionally times ``edits`` "edit one cash flow, recalculate,
read a grid cell" cycles, writes the grid values (raw float64, row by row) to ``values_out`` and answers
with the timings. A line {"quit": true} (or end of input) closes soffice.

Nothing here needs numpy: values go out through the array module.
"""

import array
import json
import math
import os
import signal
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue


def _prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def _connect(pipe, deadline_s=90.0):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    start = time.perf_counter()
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # noqa: BLE001 - soffice not listening yet
            if time.perf_counter() - start > deadline_s:
                raise
            time.sleep(0.1)


def _version(ctx):
    try:
        provider = ctx.ServiceManager.createInstanceWithContext(
            "com.sun.star.configuration.ConfigurationProvider", ctx)
        access = provider.createInstanceWithArguments(
            "com.sun.star.configuration.ConfigurationAccess", (_prop("nodepath", "/org.openoffice.Setup/Product"),))
        return f"{access.getByName('ooName')} {access.getByName('ooSetupVersionAboutBox')}"
    except Exception as error:  # noqa: BLE001
        return f"unknown ({error})"


def _run_job(desktop, job):
    n, r0, c0 = job["n"], job["first_row"], job["first_col"]  # 0-based position of the grid's top-left value cell
    url = uno.systemPathToFileUrl(job["path"])
    t = time.perf_counter()
    doc = desktop.loadComponentFromURL(url, "_blank", 0, (_prop("Hidden", True),))
    load_s = time.perf_counter() - t
    try:
        sheet = doc.Sheets.getByIndex(0)
        grid = sheet.getCellRangeByPosition(c0, r0, c0 + n - 1, r0 + n - 1)
        first_cell = sheet.getCellByPosition(c0, r0)
        last_cell = sheet.getCellByPosition(c0 + n - 1, r0 + n - 1)

        t = time.perf_counter()
        doc.calculateAll()
        first_calc_s = time.perf_counter() - t

        calc_s = []
        for _ in range(job["repeats"]):
            t = time.perf_counter()
            doc.calculateAll()
            calc_s.append(time.perf_counter() - t)

        edit_s = []
        if job.get("edits"):
            flow_cell = sheet.getCellRangeByName(job["edit_cell"])
            original = flow_cell.getValue()
            for k in range(job["edits"]):
                new = original * 1.01 if k % 2 == 0 else original
                t = time.perf_counter()
                flow_cell.setValue(new)
                doc.calculate()
                last_cell.getValue()
                edit_s.append(time.perf_counter() - t)
            if flow_cell.getValue() != original:
                flow_cell.setValue(original)
            doc.calculateAll()

        values = array.array("d")
        errors = 0
        for row in grid.getDataArray():
            for v in row:
                if isinstance(v, float):
                    values.append(v)
                else:  # an error cell comes back as None or text
                    values.append(math.nan)
                    errors += 1
        with open(job["values_out"], "wb") as out:
            values.tofile(out)
        return {"event": "result", "n": n, "load_s": load_s, "first_calc_s": first_calc_s, "calc_s": calc_s,
                "edit_s": edit_s, "error_cells": errors,
                "formula_local": first_cell.getPropertyValue("FormulaLocal"),
                "formula_api": first_cell.getFormula()}
    finally:
        doc.close(True)


def main():
    soffice, profile_dir = sys.argv[1], sys.argv[2]
    pipe = f"kcbench_{os.getpid()}"
    # soffice in its own process group: this script ends exactly that group when it is done, and the
    # benchmark can do the same (it is told the id) should this script be killed on a timeout.
    proc = subprocess.Popen(
        [soffice, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault", "--nolockcheck",
         "-env:UserInstallation=" + uno.systemPathToFileUrl(profile_dir), f"--accept=pipe,name={pipe};urp;"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    desktop = None
    try:
        t = time.perf_counter()
        ctx = _connect(pipe)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        _send({"event": "ready", "soffice_pgid": proc.pid, "startup_s": time.perf_counter() - t,
               "version": _version(ctx)})
        for line in sys.stdin:
            job = json.loads(line)
            if job.get("quit"):
                break
            try:
                _send(_run_job(desktop, job))
            except Exception as error:  # noqa: BLE001 - report, keep serving
                _send({"event": "error", "n": job.get("n"), "error": f"{type(error).__name__}: {error}"})
    finally:
        if desktop is not None:
            try:
                desktop.terminate()
            except Exception:  # noqa: BLE001 - the bridge drops as soffice exits
                pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # end the process group this script started, by its id
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
