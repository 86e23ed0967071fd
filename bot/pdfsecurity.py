"""Does a PDF need a password to be opened? Bytes in, an answer out, never an exception.

A PDF with an ``/Encrypt`` dictionary is encrypted, but most such PDFs open without any
password: a signed PDF that only restricts editing or printing has an empty user ("open")
password. pypdf tells the two apart the way a PDF reader does: it tries the empty password
(the standard security handler of every revision, RC4 and AES; ``cryptography`` does the
AES). A handler other than /Standard (a certificate's, /Adobe.PubSec) opens only for the
holder of the recipient's key: it needs a password. A PDF pypdf cannot read is not judged
here (None): only a PDF shown to need a password is refused.
"""

from __future__ import annotations

import io
import logging
import re

from pypdf import PasswordType, PdfReader

__all__ = ["needs_password"]

# pypdf logs what it repairs in a damaged file at WARNING: an upload's business, not the log's
logging.getLogger("pypdf").setLevel(logging.ERROR)

_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z0-9])")


def needs_password(data: bytes) -> bool | None:
    """True: a password (or a certificate) is needed to open the PDF; False: it opens
    without one (not encrypted, or an empty user password); None: not judged (pypdf could
    not read it)."""
    if _ENCRYPT.search(data) is None:  # no encryption: not parsed at all
        return False
    try:
        reader = PdfReader(io.BytesIO(data))
        if not reader.is_encrypted:
            return False
        return reader.decrypt("") is PasswordType.NOT_DECRYPTED
    except NotImplementedError:  # "only Standard PDF encryption handler is available"
        return True
    except Exception:
        return None
