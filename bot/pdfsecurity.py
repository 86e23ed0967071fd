"""Does a PDF need a password to be opened? Bytes in, an answer out, never an exception.

A PDF with an ``/Encrypt`` dictionary is encrypted, but most such PDFs open without any
password: a signed PDF that only restricts editing or printing has an empty user ("open")
password. pypdf tells the two apart the way a PDF reader does: it tries the empty password
(the standard security handler of every revision, RC4 and AES; ``cryptography`` does the
AES). A handler other than /Standard (a certificate's, /Adobe.PubSec) opens only for the
holder of the recipient's key: it needs a password. A PDF pypdf cannot read is not judged
here (None): only a PDF shown to need a password is refused.

The look is bounded: a hostile PDF of a few hundred KB can make pypdf repair it for minutes
(a startxref pointing nowhere, object streams whose data expand to 70 MB each, which it
reads byte by byte; at 20 MB, for an hour). pypdf runs under a tracer that gives it up
after :data:`PDF_CPU_SECONDS` of the thread's CPU time, at the next call of one of pypdf's
own functions: the PDF is then not judged (None).
pypdf's own limits bound the memory (no stream decoded beyond 75 MB).
"""

from __future__ import annotations

import io
import logging
import re
import sys
import time
from types import FrameType
from typing import Any

from pypdf import PasswordType, PdfReader

__all__ = ["needs_password"]

# pypdf logs what it repairs in a damaged file at WARNING: an upload's business, not the log's
logging.getLogger("pypdf").setLevel(logging.ERROR)

PDF_CPU_SECONDS = 4.0
"""The most CPU time (of the thread) pypdf may spend on one PDF; a real one takes
milliseconds (its trailer, the /Encrypt dictionary and a hash or two are read)."""
_CALLS_PER_LOOK = 2000  # the clock is read once per this many Python calls

_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z0-9])")


def needs_password(data: bytes) -> bool | None:
    """True: a password (or a certificate) is needed to open the PDF; False: it opens
    without one (not encrypted, or an empty user password); None: not judged (pypdf could
    not read it)."""
    if _ENCRYPT.search(data) is None:  # no encryption: not parsed at all
        return False
    try:
        with _cpu_limit(PDF_CPU_SECONDS):
            reader = PdfReader(io.BytesIO(data))
            if not reader.is_encrypted:
                return False
            return reader.decrypt("") is PasswordType.NOT_DECRYPTED
    except NotImplementedError:  # "only Standard PDF encryption handler is available"
        return True
    except (Exception, _TooLong):
        return None


class _TooLong(BaseException):
    """pypdf took too long (a BaseException: pypdf's ``except Exception`` around what it
    repairs must not swallow it)."""


class _cpu_limit:
    """Raise :class:`_TooLong` in the first call of a pypdf function made after ``seconds``
    of this thread's CPU time (the thread's previous tracer is restored on the way out).

    Only ever in pypdf's own functions: raised in any call, it could land in code pypdf
    calls between taking a lock and the ``try`` that gives it back, such as the logging
    module's lock, which ``Logger.isEnabledFor`` takes when its cache misses. Given up
    there, the lock stayed taken and every other thread that logged waited for it for
    ever (the test suite hung at the next database migration's log line)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.calls = 0
        self.deadline = 0.0
        self.expired = False
        self.previous: Any = None

    def __enter__(self) -> None:
        self.deadline = time.thread_time() + self.seconds
        self.previous = sys.gettrace()
        sys.settrace(self._on_event)

    def __exit__(self, *exc: object) -> None:
        sys.settrace(self.previous)

    def _on_event(self, frame: FrameType, event: str, arg: object) -> None:
        # called at each Python call (no line events: None is returned for the frame)
        if not self.expired:
            self.calls += 1
            if self.calls % _CALLS_PER_LOOK == 0 and time.thread_time() > self.deadline:
                self.expired = True
        if self.expired and _is_pypdf(frame.f_globals.get("__name__", "")):
            raise _TooLong


def _is_pypdf(module: str) -> bool:
    return module == "pypdf" or module.startswith("pypdf.")
