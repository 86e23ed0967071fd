"""Does a PDF need a password to be opened? Pure: bytes in, an answer out, never an exception.

A PDF with an ``/Encrypt`` dictionary in its trailer is encrypted, but most such PDFs open
without any password: a signed PDF that only restricts editing or printing has an empty
user ("open") password. What tells the two apart is the standard security handler's check
of the user password (ISO 32000-1, 7.6.3.4, algorithms 2, 4 and 5; ISO 32000-2 for the
AES-256 revisions), done here with the empty password:

* revisions 2, 3 and 4 (RC4 40-128 bit, AES-128): MD5 and RC4 (both small, stdlib MD5 and
  RC4 written out below): judged exactly;
* revision 5 (Adobe's first AES-256): one SHA-256: judged exactly;
* revision 6 (AES-256, PDF 2.0): the check needs AES, which the standard library does not
  have: not judged (None), and the PDF is accepted as before;
* a handler other than /Standard (a certificate's, /Adobe.PubSec): only the holder of the
  recipient's key opens it: needs a password (True).

An ``/Encrypt`` dictionary that cannot be found or read is not judged (None): only a PDF
shown to need a password is refused.
"""

from __future__ import annotations

import hashlib
import re

__all__ = ["needs_password"]

# the password padding string of the standard security handler (7.6.3.3, algorithm 2)
_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
_WHITESPACE = b"\x00\t\n\x0c\r "
_DELIMITERS = b"()<>[]{}/%"
_ENCRYPT = re.compile(rb"/Encrypt(?![A-Za-z0-9])")
_ID = re.compile(rb"/ID(?![A-Za-z0-9])")
_MAX_DEPTH = 8


class _Unreadable(Exception):
    """The bytes are not the PDF objects expected."""


def needs_password(data: bytes) -> bool | None:
    """True: a password (or a certificate) is needed to open the PDF; False: it opens
    without one (not encrypted, or an empty user password); None: encrypted in a way not
    judged here (see the module docstring)."""
    found = list(_ENCRYPT.finditer(data))
    if not found:
        return False
    try:
        value, _ = _parse(data, found[-1].end())
        if isinstance(value, tuple):  # an indirect reference: "12 0 R"
            value = _indirect(data, *value)
        if not isinstance(value, dict):
            return None
        ids = list(_ID.finditer(data))
        file_id = b""
        if ids:
            array, _ = _parse(data, ids[-1].end())
            if isinstance(array, list) and array and isinstance(array[0], bytes):
                file_id = array[0]
        return _standard_handler_refuses_empty(value, file_id)
    except (_Unreadable, IndexError, ValueError, RecursionError):
        return None


def _standard_handler_refuses_empty(encrypt: dict[str, object], file_id: bytes) -> bool | None:
    if encrypt.get("Filter") != "/Standard":
        return True
    revision, o_entry, u_entry = encrypt.get("R"), encrypt.get("O"), encrypt.get("U")
    if not (isinstance(revision, int) and isinstance(o_entry, bytes)):
        return None
    if not isinstance(u_entry, bytes):
        return None
    if revision == 5:
        return hashlib.sha256(u_entry[32:40]).digest() != u_entry[:32]
    if revision not in (2, 3, 4):
        return None  # 6 (AES-256, needs AES) and what the standard does not define
    permissions = encrypt.get("P")
    if not isinstance(permissions, int):
        return None
    length = encrypt.get("Length", 40)
    key_length = 5 if revision == 2 else (length if isinstance(length, int) else 40) // 8
    if not 5 <= key_length <= 16:
        return None
    # algorithm 2: the file key from the (empty, padded) password
    digest = hashlib.md5(
        _PAD + o_entry[:32] + (permissions & 0xFFFFFFFF).to_bytes(4, "little") + file_id,
        usedforsecurity=False,  # the standard's own hash, not a choice made here
    )
    if revision == 4 and encrypt.get("EncryptMetadata") is False:
        digest.update(b"\xff\xff\xff\xff")
    key = digest.digest()[:key_length]
    if revision >= 3:
        for _ in range(50):
            key = hashlib.md5(key, usedforsecurity=False).digest()[:key_length]
    if revision == 2:  # algorithm 4
        return _rc4(key, _PAD) != u_entry[:32]
    # algorithm 5
    check = _rc4(key, hashlib.md5(_PAD + file_id, usedforsecurity=False).digest())
    for i in range(1, 20):
        check = _rc4(bytes(k ^ i for k in key), check)
    return check != u_entry[:16]


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) & 0xFF
        state[i], state[j] = state[j], state[i]
    i = j = 0
    out = bytearray()
    for byte in data:
        i = (i + 1) & 0xFF
        j = (j + state[i]) & 0xFF
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) & 0xFF])
    return bytes(out)


# -- just enough of the PDF object syntax (7.3) to read a trailer's /Encrypt and /ID ----------

_Value = object


def _indirect(data: bytes, number: int, generation: int) -> _Value:
    """The object ``number generation obj``, its last definition (incremental updates)."""
    heads = list(re.finditer(rb"(?<![0-9])%d\s+%d\s+obj\b" % (number, generation), data))
    if not heads:
        raise _Unreadable("no such object")
    value, _ = _parse(data, heads[-1].end())
    return value


def _skip(data: bytes, pos: int) -> int:
    while pos < len(data):
        if data[pos] in _WHITESPACE:
            pos += 1
        elif data[pos] == ord("%"):  # a comment, to the end of its line
            while pos < len(data) and data[pos] not in b"\r\n":
                pos += 1
        else:
            break
    return pos


def _token(data: bytes, pos: int) -> tuple[bytes, int]:
    end = pos
    while end < len(data) and data[end] not in _WHITESPACE and data[end] not in _DELIMITERS:
        end += 1
    if end == pos:
        raise _Unreadable(f"unexpected byte at {pos}")
    return data[pos:end], end


def _parse(data: bytes, pos: int, depth: int = 0) -> tuple[_Value, int]:
    """The object at ``pos``: a dict (names without the slash as keys), a list, bytes (a
    string), a str (a name, with its slash), an int, a float, a bool, None, or a tuple
    (number, generation) for an indirect reference; and where it ends."""
    if depth > _MAX_DEPTH:
        raise _Unreadable("too deep")
    pos = _skip(data, pos)
    if data.startswith(b"<<", pos):
        result: dict[str, _Value] = {}
        pos += 2
        while not data.startswith(b">>", pos := _skip(data, pos)):
            key, pos = _parse(data, pos, depth + 1)
            if not isinstance(key, str):
                raise _Unreadable("a dictionary key that is not a name")
            result[key[1:]], pos = _parse(data, pos, depth + 1)
        return result, pos + 2
    if data.startswith(b"[", pos):
        items: list[_Value] = []
        pos += 1
        while not data.startswith(b"]", pos := _skip(data, pos)):
            item, pos = _parse(data, pos, depth + 1)
            items.append(item)
        return items, pos + 1
    if data.startswith(b"<", pos):
        end = data.index(b">", pos)
        digits = re.sub(rb"\s", b"", data[pos + 1 : end])
        return bytes.fromhex((digits + b"0" * (len(digits) % 2)).decode("ascii")), end + 1
    if data.startswith(b"(", pos):
        return _literal(data, pos + 1)
    if data.startswith(b"/", pos):
        name, end = _token(data, pos + 1)
        return "/" + name.decode("latin-1"), end
    word, end = _token(data, pos)
    if word in (b"true", b"false"):
        return word == b"true", end
    if word == b"null":
        return None, end
    if re.fullmatch(rb"[0-9]+", word):
        reference = re.compile(rb"\s+([0-9]+)\s+R(?![A-Za-z0-9])").match(data, end)
        if reference is not None:
            return (int(word), int(reference[1])), reference.end()
        return int(word), end
    if re.fullmatch(rb"[+-]?[0-9]+", word):
        return int(word), end
    if re.fullmatch(rb"[+-]?[0-9]*\.[0-9]*", word):
        return float(word), end
    raise _Unreadable(f"unexpected token {word[:20]!r}")


_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}


def _literal(data: bytes, pos: int) -> tuple[bytes, int]:
    """A literal string's bytes, ``pos`` just after its opening parenthesis."""
    out = bytearray()
    depth = 1
    while True:
        byte = data[pos]
        pos += 1
        if byte == ord("\\"):
            byte = data[pos]
            pos += 1
            if byte in _ESCAPES:
                out += _ESCAPES[byte]
            elif byte in b"01234567":
                digits = re.compile(rb"[0-7]{1,2}").match(data, pos)
                end = digits.end() if digits else pos
                out.append(int(data[pos - 1 : end], 8) & 0xFF)
                pos = end
            elif byte == ord("\r"):  # a line continued: the end of line is no part of it
                pos += data.startswith(b"\n", pos)
            elif byte != ord("\n"):
                out.append(byte)  # \( \) \\ and an unknown escape: the character itself
            continue
        if byte == ord("\r"):  # an end of line in the string reads as one line feed
            pos += data.startswith(b"\n", pos)
            byte = ord("\n")
        elif byte == ord("("):
            depth += 1
        elif byte == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), pos
        out.append(byte)
