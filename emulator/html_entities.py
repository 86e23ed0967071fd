"""Telegram's HTML formatting: text with tags in, plain text plus MessageEntity dicts out.

``parse_html`` is a port of TDLib's ``parse_html`` (td/telegram/MessageEntity.cpp), the code
behind ``parse_mode=HTML`` on the Bot API server, with the same error texts ("Unsupported
start tag ...", "Can't find end tag corresponding to start tag ...", byte offsets into the
UTF-8 text). One deliberate difference, on by default (``strict_ampersand``): an ``&`` that
does not start one of the supported entities (``&lt; &gt; &amp; &quot;`` and numeric ones)
is an error, while Telegram silently keeps it. Telegram's documentation requires escaping
it, and a bot that forgets ``html.escape`` for user input would otherwise pass the tests and
break on the first ``<`` a user types.

``finish_text`` then does what TDLib's ``fix_formatted_text`` does to every outgoing text:
trims trailing whitespace, trims leading spaces/newlines, and adds the entities Telegram
finds by itself (bot commands, mentions, hashtags, URLs, e-mail addresses).

Offsets and lengths are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]
UserLookup = Callable[[int], dict[str, Any] | None]

_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "tg-time",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
# TDLib's MessageEntity::get_type_priority: ties in (offset, -length) are ordered by it.
_PRIORITY = {
    "mention": 50,
    "hashtag": 50,
    "bot_command": 50,
    "url": 50,
    "email": 50,
    "bold": 90,
    "italic": 91,
    "code": 20,
    "pre": 11,
    "text_link": 49,
    "text_mention": 49,
    "cashtag": 50,
    "phone_number": 50,
    "underline": 92,
    "strikethrough": 93,
    "blockquote": 0,
    "expandable_blockquote": 0,
    "spoiler": 94,
    "custom_emoji": 99,
    "date_time": 49,
}
# Entities that found-by-Telegram entities (url, mention, ...) must not intersect.
_CONTINUOUS = frozenset(
    {
        "code",
        "pre",
        "text_link",
        "text_mention",
        "custom_emoji",
        "date_time",
        "url",
        "email",
        "mention",
        "bot_command",
        "hashtag",
        "cashtag",
    }
)


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; ``str(self)`` is TDLib's message."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _units(ch: str) -> int:
    return 2 if ord(ch) > 0xFFFF else 1


def _is_space(ch: str) -> bool:
    return ch in " \t\r\n\v\f\0"


def _is_name_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch in ".-")


@dataclass
class _Open:
    tag: str
    argument: str
    offset: int
    begin: int  # index into the output list, for <a> without href
    extra: dict[str, str] = field(default_factory=dict)


class _Parser:
    def __init__(self, src: str, strict_ampersand: bool, lookup_user: UserLookup | None) -> None:
        self.src = src
        self.n = len(src)
        self.strict = strict_ampersand
        self.lookup_user = lookup_user
        self.out: list[str] = []
        self.utf16 = 0
        self.entities: list[Entity] = []
        self.stack: list[_Open] = []

    def at(self, i: int) -> str:
        return self.src[i] if i < self.n else "\0"

    def byte_offset(self, i: int) -> int:
        return len(self.src[:i].encode("utf-8"))

    def error(self, message: str) -> HtmlParseError:
        return HtmlParseError(message)

    def decode_entity(self, pos: int) -> tuple[str, int] | None:
        """TDLib's decode_html_entity: (character, position after it) or None."""
        end = pos + 1
        if self.at(pos + 1) == "#":
            end += 1
            value = 0
            if self.at(pos + 2) == "x":
                end += 1
                while self.at(end) in "0123456789abcdefABCDEF":
                    value = value * 16 + int(self.at(end), 16)
                    end += 1
                    if value >= 0x10FFFF:
                        return None
            else:
                while self.at(end).isascii() and self.at(end).isdigit():
                    value = value * 10 + int(self.at(end))
                    end += 1
                    if value >= 0x10FFFF:
                        return None
            if value == 0 or end - pos >= 10:
                return None
            if 0xD800 <= value <= 0xDFFF:
                raise self.error(
                    "Text contains invalid Unicode characters after decoding HTML entities, "
                    "check for unmatched surrogate code units"
                )
            char = chr(value)
        else:
            while self.at(end).isascii() and self.at(end).isalpha():
                end += 1
            named = _NAMED.get(self.src[pos + 1 : end])
            if named is None:
                return None
            char = named
        if self.at(end) == ";":
            end += 1
        return char, end

    def ampersand(self, pos: int) -> tuple[str, int] | None:
        decoded = self.decode_entity(pos)
        if decoded is None and self.strict:
            end = pos + 1
            while (
                end < self.n
                and end - pos < 12
                and (self.src[end].isalnum() or self.src[end] in "#;")
            ):
                end += 1
                if self.src[end - 1] == ";":
                    break
            raise self.error(
                f'Unsupported HTML entity "{self.src[pos:end]}" at byte offset '
                f"{self.byte_offset(pos)}; an '&' that is not part of an entity must be "
                "written as &amp; (the emulator is stricter than Telegram here)"
            )
        return decoded

    def run(self) -> tuple[str, list[Entity]]:
        i = 0
        while i < self.n:
            ch = self.src[i]
            if ch == "&":
                decoded = self.ampersand(i)
                if decoded is not None:
                    self.out.append(decoded[0])
                    self.utf16 += _units(decoded[0])
                    i = decoded[1]
                    continue
            if ch != "<":
                self.out.append(ch)
                self.utf16 += _units(ch)
                i += 1
                continue
            i = self.start_tag(i) if self.at(i + 1) != "/" else self.end_tag(i)
        if self.stack:
            raise self.error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        for entity in self.entities:
            if entity["type"] == "code":
                entity.pop("language", None)
        return "".join(self.out), sort_entities(self.entities)

    def start_tag(self, begin: int) -> int:
        i = begin + 1
        while not _is_space(self.at(i)) and self.at(i) != ">":
            i += 1
        if i >= self.n:
            raise self.error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
        tag = self.src[begin + 1 : i].lower()
        if tag not in _TAGS:
            raise self.error(
                f'Unsupported start tag "{tag}" at byte offset {self.byte_offset(begin)}'
            )
        opened = _Open(tag, "", self.utf16, len(self.out))
        while self.at(i) != ">":
            while i < self.n and _is_space(self.src[i]):
                i += 1
            if self.at(i) == ">":
                break
            attr_begin = i
            while not _is_space(self.at(i)) and self.at(i) not in "=>":
                i += 1
            attr = self.src[attr_begin:i]
            if not attr:
                raise self.error(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{self.byte_offset(begin)}"
                )
            while i < self.n and _is_space(self.src[i]):
                i += 1
            if self.at(i) != "=":
                if tag == "blockquote" and attr == "expandable" and i < self.n:
                    opened.extra["expandable"] = "1"
                    continue
                if i >= self.n:
                    raise self.error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
                raise self.error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.byte_offset(begin)}'
                )
            i += 1
            while i < self.n and _is_space(self.src[i]):
                i += 1
            if i >= self.n:
                raise self.error(
                    f'Unclosed start tag "{tag}" at byte offset {self.byte_offset(begin)}'
                )
            value, i = self.attribute_value(i)
            if i >= self.n:
                raise self.error(f"Unclosed start tag at byte offset {self.byte_offset(begin)}")
            self.remember_attribute(opened, tag, attr, value)
        if tag == "span" and opened.argument != "spoiler":
            raise self.error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte_offset(begin)}'
            )
        self.stack.append(opened)
        return i + 1

    def attribute_value(self, i: int) -> tuple[str, int]:
        quote = self.at(i)
        if quote not in "'\"":
            start = i
            while _is_name_char(self.at(i)):
                i += 1
            if not _is_space(self.at(i)) and self.at(i) != ">":
                raise self.error(
                    f"Unexpected end of name token at byte offset {self.byte_offset(start)}"
                )
            return self.src[start:i].lower(), i
        i += 1
        chars: list[str] = []
        while i < self.n and self.src[i] != quote:
            if self.src[i] == "&":
                decoded = self.ampersand(i)
                if decoded is not None:
                    chars.append(decoded[0])
                    i = decoded[1]
                    continue
            chars.append(self.src[i])
            i += 1
        if i < self.n:
            i += 1
        return "".join(chars), i

    @staticmethod
    def remember_attribute(opened: _Open, tag: str, attr: str, value: str) -> None:
        if tag == "a" and attr == "href":
            opened.argument = value
        elif tag == "code" and attr == "class" and value.startswith("language-"):
            opened.argument = value.removeprefix("language-")
        elif tag == "span" and attr == "class" and value.startswith("tg-"):
            opened.argument = value.removeprefix("tg-")
        elif (tag == "tg-emoji" and attr == "emoji-id") or (tag == "tg-time" and attr == "unix"):
            opened.argument = value
        elif tag == "tg-time" and attr == "format":
            opened.extra["format"] = value

    def end_tag(self, begin: int) -> int:
        if not self.stack:
            raise self.error(f"Unexpected end tag at byte offset {self.byte_offset(begin)}")
        i = begin + 2
        while not _is_space(self.at(i)) and self.at(i) != ">":
            i += 1
        end_name = self.src[begin + 2 : i].lower()
        while i < self.n and _is_space(self.src[i]):
            i += 1
        if self.at(i) != ">":
            raise self.error(f"Unclosed end tag at byte offset {self.byte_offset(begin)}")
        top = self.stack[-1]
        if end_name and end_name != top.tag:
            raise self.error(
                f"Unmatched end tag at byte offset {self.byte_offset(begin)}, "
                f'expected "</{top.tag}>", found "</{end_name}>"'
            )
        if self.utf16 > top.offset:
            self.close_entity(top, self.utf16 - top.offset)
        self.stack.pop()
        return i + 1

    def close_entity(self, top: _Open, length: int) -> None:
        base: Entity = {"offset": top.offset, "length": length}
        last = self.entities[-1] if self.entities else None
        same_span = last is not None and last["offset"] == top.offset and last["length"] == length
        if top.tag in _SIMPLE:
            self.entities.append({"type": _SIMPLE[top.tag], **base})
        elif top.tag == "tg-emoji":
            if not top.argument.isdigit() or int(top.argument) == 0:
                raise self.error("Invalid custom emoji identifier specified")
            self.entities.append({"type": "custom_emoji", **base, "custom_emoji_id": top.argument})
        elif top.tag == "tg-time":
            if not top.argument.isdigit() or int(top.argument) == 0:
                raise self.error("Invalid Unix time specified")
            entity: Entity = {"type": "date_time", **base, "unix_time": int(top.argument)}
            if top.extra.get("format"):
                entity["date_time_format"] = top.extra["format"]
            self.entities.append(entity)
        elif top.tag == "a":
            self.link_entity(top, base)
        elif top.tag == "pre":
            if same_span and last is not None and last["type"] == "code" and last.get("language"):
                last["type"] = "pre"
            else:
                self.entities.append({"type": "pre", **base})
        elif top.tag == "code":
            if same_span and last is not None and last["type"] == "pre" and top.argument:
                last["language"] = top.argument
            else:
                code: Entity = {"type": "code", **base}
                if top.argument:
                    code["language"] = top.argument  # dropped at the end unless <pre> wraps it
                self.entities.append(code)
        elif top.tag == "blockquote":
            kind = "expandable_blockquote" if top.extra.get("expandable") else "blockquote"
            self.entities.append({"type": kind, **base})

    def link_entity(self, top: _Open, base: Entity) -> None:
        url = top.argument or "".join(self.out[top.begin :])
        user_id = _link_user_id(url)
        if user_id is not None:
            user = self.lookup_user(user_id) if self.lookup_user else None
            if user is not None:
                self.entities.append({"type": "text_mention", **base, "user": user})
            return
        checked = checked_link(url)
        if checked:
            self.entities.append({"type": "text_link", **base, "url": checked})


def _link_user_id(url: str) -> int | None:
    match = re.fullmatch(r"tg://user\?id=(\d{1,20})", url.strip(), flags=re.IGNORECASE)
    return int(match.group(1)) if match else None


def checked_link(url: str) -> str:
    """A link as Telegram stores it (scheme added, '/' path for bare hosts), or '' if invalid."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return ""
    if "://" not in url:
        url = "http://" + url
    parsed = urllib.parse.urlsplit(url)
    scheme = parsed.scheme.lower()
    if scheme in ("tg", "ton"):
        return url
    if scheme not in ("http", "https", "ftp") or not parsed.hostname:
        return ""
    if "." not in parsed.hostname and parsed.hostname != "localhost":
        return ""
    if not parsed.path:
        url = urllib.parse.urlunsplit(parsed._replace(path="/"))
    return url


def parse_html(
    text: str,
    *,
    strict_ampersand: bool = True,
    lookup_user: UserLookup | None = None,
) -> tuple[str, list[Entity]]:
    """Parse Telegram HTML; raise :class:`HtmlParseError` with TDLib's message if invalid."""
    return _Parser(text, strict_ampersand, lookup_user).run()


def sort_entities(entities: list[Entity]) -> list[Entity]:
    """TDLib's order: by offset, longer first, then by type priority."""
    return sorted(
        entities,
        key=lambda e: (e["offset"], -e["length"], _PRIORITY.get(e["type"], 50)),
    )


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trailing whitespace and leading spaces/newlines go, as in fix_formatted_text."""
    stripped = text.rstrip()
    end16 = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        if entity["offset"] >= end16:
            continue
        if entity["offset"] + entity["length"] > end16:
            entity = {**entity, "length": end16 - entity["offset"]}
        kept.append(entity)
    first_entity = min((e["offset"] for e in kept), default=len(stripped))
    lead = 0
    while lead < min(first_entity, len(stripped)) and stripped[lead] in " \n":
        lead += 1
    if lead:
        stripped = stripped[lead:]
        kept = [{**e, "offset": e["offset"] - lead} for e in kept]
    return stripped, [e for e in kept if e["length"] > 0]


# \w is Unicode-aware: letters, digits and '_', TDLib's is_word_character.
_MENTION_RE = re.compile(r"(?<!\w)@[A-Za-z0-9_]{2,32}(?!\w)")
_HASHTAG_RE = re.compile(r"(?<![\w\u200c])#[\w\u200c]{1,256}(?![\w\u200c]*#)")
_URL_RE = re.compile(r"(?<![\w/@.])(?:https?|ftp)://[^\s<>\"']+", re.IGNORECASE)
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)


def _bot_commands(text: str) -> list[tuple[int, int]]:
    """TDLib's match_bot_commands: '/cmd' or '/cmd@botname' not glued to words, '/', '<', '>'."""
    found: list[tuple[int, int]] = []
    pos = 0
    while (pos := text.find("/", pos)) != -1:
        if pos > 0 and (_is_word(text[pos - 1]) or text[pos - 1] in "/<>"):
            pos += 1
            continue
        start = pos
        pos += 1
        while pos < len(text) and _is_command_char(text[pos]):
            pos += 1
        end = pos
        if not 1 <= end - start - 1 <= 64:
            continue
        if pos < len(text) and text[pos] == "@":
            pos += 1
            name_start = pos
            while pos < len(text) and _is_command_char(text[pos]):
                pos += 1
            if not 3 <= pos - name_start <= 32:
                continue
            end = pos
        if pos < len(text) and (_is_word(text[pos]) or text[pos] in "/<>"):
            continue
        found.append((start, end))
    return found


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _is_command_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


def _found_entities(text: str) -> list[tuple[str, int, int]]:
    spans: list[tuple[str, int, int]] = [("bot_command", s, e) for s, e in _bot_commands(text)]
    for kind, regex in (("mention", _MENTION_RE), ("email", _EMAIL_RE)):
        spans.extend((kind, m.start(), m.end()) for m in regex.finditer(text))
    for m in _HASHTAG_RE.finditer(text):
        if any(ch.isalpha() for ch in m.group()):
            spans.append(("hashtag", m.start(), m.end()))
    for m in _URL_RE.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in ".,;:!?)]}":
            end -= 1
        spans.append(("url", m.start(), end))
    return spans


def _add_found(text: str, entities: list[Entity]) -> list[Entity]:
    result = list(entities)
    occupied = [
        (e["offset"], e["offset"] + e["length"]) for e in entities if e["type"] in _CONTINUOUS
    ]
    for kind, start, end in sorted(_found_entities(text), key=lambda s: (s[1], -s[2])):
        offset = utf16_len(text[:start])
        length = utf16_len(text[start:end])
        if any(offset < b and a < offset + length for a, b in occupied):
            continue
        occupied.append((offset, offset + length))
        result.append({"type": kind, "offset": offset, "length": length})
    return sort_entities(result)


def finish_text(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    """Trim and add the entities Telegram detects itself, as for every sent message."""
    trimmed, kept = _trim(text, entities)
    return trimmed, _add_found(trimmed, kept)


def entities_in(text: str) -> list[Entity]:
    """Entities Telegram adds to a text a user typed (commands, mentions, URLs...)."""
    return _add_found(text, [])
