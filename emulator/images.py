"""Image dimensions from file headers (JPEG, PNG, GIF, WebP, BMP), without decoding.

Telegram's servers recompress a photo and refuse content they cannot read as an image
(``IMAGE_PROCESS_FAILED``). The emulator only reads the header: enough to give a PhotoSize its
width and height and to refuse a text file sent as a photo, not enough to catch a damaged
image whose header is intact.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PHOTO_SIDE_LIMIT = 2560  # Telegram's largest photo size ("w") fits a 2560 x 2560 box

# JPEG start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers without a length field.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})


@dataclass(frozen=True)
class ImageInfo:
    format: str  # "jpeg", "png", "gif", "webp", "bmp"
    width: int
    height: int


def image_info(data: bytes) -> ImageInfo | None:
    """The format and size of an image, or None when the bytes are not a readable image."""
    try:
        for reader in (_png, _jpeg, _gif, _webp, _bmp):
            info = reader(data)
            if info is not None:
                return info if info.width > 0 and info.height > 0 else None
    except (struct.error, IndexError):
        return None
    return None


def photo_size(info: ImageInfo) -> tuple[int, int]:
    """The size of the largest PhotoSize Telegram makes of an image (scaled into its box)."""
    scale = min(1.0, PHOTO_SIDE_LIMIT / max(info.width, info.height))
    return max(1, round(info.width * scale)), max(1, round(info.height * scale))


def _png(data: bytes) -> ImageInfo | None:
    if not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", data[16:24])
    return ImageInfo("png", width, height)


def _jpeg(data: bytes) -> ImageInfo | None:
    if not data.startswith(b"\xff\xd8"):
        return None
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in _JPEG_STANDALONE:
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or scan data before any frame header
            return None
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        if marker in _JPEG_SOF:
            height, width = struct.unpack(">HH", data[pos + 5 : pos + 9])
            return ImageInfo("jpeg", width, height)
        pos += 2 + length
    return None


def _gif(data: bytes) -> ImageInfo | None:
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        return None
    width, height = struct.unpack("<HH", data[6:10])
    return ImageInfo("gif", width, height)


def _webp(data: bytes) -> ImageInfo | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return ImageInfo("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return ImageInfo("webp", width, height)
    return None


def _bmp(data: bytes) -> ImageInfo | None:
    if data[:2] != b"BM" or len(data) < 26:
        return None
    width, height = struct.unpack("<ii", data[18:26])
    return ImageInfo("bmp", width, abs(height))
