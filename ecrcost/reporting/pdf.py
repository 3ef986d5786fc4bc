"""PDF: print a report's HTML page with headless Chromium (Debian's `chromium`, found on PATH).

    print_pdf("reports/2026-11/index.html", "reports/2026-11/report.pdf")

Chromium runs with a fresh profile directory (removed afterwards), no sandbox (it usually runs as
a container's root), no GPU and every background network feature off; the page itself has no
script and a Content-Security-Policy that forbids network access, so printing touches nothing
outside the report directory. The page's print stylesheet (templates/report.css, ``@media print``)
lays it out on A4/Letter pages. The PDF is written beside the target and renamed into place, so a
failed print never leaves a half-written file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import EcrcostError

#: the Chromium flags of every print (plus --user-data-dir and --print-to-pdf)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    "--no-pdf-header-footer",
)
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class BrowserMissingError(EcrcostError):
    """No Chromium on PATH to print the PDF with."""


class PdfError(EcrcostError):
    """Chromium ran but produced no PDF."""


def find_chromium() -> str | None:
    """The first of NAMES found on PATH (or ECRCOST_CHROMIUM), else None."""
    explicit = os.environ.get("ECRCOST_CHROMIUM")
    if explicit:
        return shutil.which(explicit)
    for name in NAMES:
        exe = shutil.which(name)
        if exe:
            return exe
    return None


def print_pdf(
    html: str | os.PathLike[str],
    pdf: str | os.PathLike[str],
    *,
    chromium: str | None = None,
    timeout: float = 180,
) -> Path:
    """Print the HTML file `html` to `pdf` with headless Chromium; return the PDF's path.

    `BrowserMissingError` when no Chromium is found (the message says how to install it);
    `PdfError` when Chromium fails, times out or writes nothing.
    """
    exe = chromium or find_chromium()
    if not exe:
        raise BrowserMissingError(
            "--pdf needs Chromium on PATH (Debian/Ubuntu: apt-get install chromium; or set "
            "ECRCOST_CHROMIUM); the HTML report was written without the PDF"
        )
    src, dest = Path(html).resolve(), Path(pdf)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent or ".")
    os.close(fd)
    tmp = Path(tmp_name)
    profile = tempfile.mkdtemp(prefix="ecrcost-chromium-")
    try:
        cmd = [
            exe,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp}",
            src.as_uri(),
        ]
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
            )
        except subprocess.TimeoutExpired:
            raise PdfError(f"chromium did not finish printing {src} within {timeout:g} s") from None
        except OSError as e:
            raise PdfError(f"could not run {exe}: {e}") from None
        if proc.returncode != 0 or tmp.stat().st_size == 0:
            last = (proc.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise PdfError(f"chromium could not print {src} (exit {proc.returncode}): {last[0]}")
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)
    return dest
