"""INI files with the semantics of the Windows profile functions (not configparser's).

What Windows' ``GetPrivateProfileString``/``WritePrivateProfileString`` do, and so what
`IniFile` does:

- Section and key names are compared case-insensitively and keep their spelling on rewrite.
- A value is everything after the first ``=``, with surrounding whitespace removed. There are
  no inline comments: ``wave=sndpa.drv ; fast`` has the value ``sndpa.drv ; fast``. One
  matching pair of surrounding double or single quotes is removed when the value is read.
- ``%`` and ``:`` are ordinary characters (no interpolation).
- Keys may repeat within a section; the first one wins for `IniFile.get`.
- A line starting with ``;`` is a comment. Comments, blank lines, lines without ``=``, lines
  before the first section, the order of everything and each line's line ending are kept
  byte for byte unless the line itself is changed.
- If a section header appears twice, only its first block is looked at (as Windows does);
  `IniFile.remove_section` removes every block.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ._text import decode

__all__ = ["IniFile"]

_log = logging.getLogger(__name__)

# Windows writes CRLF, Unix editors LF, and old Macs wrote CR; keep whichever each line has.
_EOL = re.compile(r"\r\n|\n|\r")
_BOM = "\ufeff"


@dataclass
class _Line:
    """One physical line: its text, its line ending, and what it means."""

    content: str
    eol: str
    header: str | None = None  # the section name, for a "[name]" line
    key: str | None = None  # the key, for a "key=value" line
    value_at: int = 0  # for an entry: where the value starts in `content`

    @property
    def raw_value(self) -> str:
        """The value as written (quotes kept), for an entry line."""
        return self.content[self.value_at :].rstrip()

    @property
    def blank(self) -> bool:
        return not self.content.strip()


def _parse_line(content: str, eol: str) -> _Line:
    line = _Line(content, eol)
    stripped = content.strip()
    if not stripped or stripped.startswith(";"):
        return line
    if stripped.startswith("["):
        close = stripped.find("]")
        # COMPAT: text after "]" is ignored, like Windows. A "[" with no "]" is not a
        # header; it is kept as an ordinary line.
        if close > 0:
            line.header = stripped[1:close].strip()
        return line
    equals = content.find("=")
    if equals < 0:
        return line
    key = content[:equals].strip()
    if not key:
        return line  # "=value" names nothing; keep it, but it is no entry
    rest = content[equals + 1 :]
    line.key = key
    line.value_at = equals + 1 + (len(rest) - len(rest.lstrip()))
    return line


def _fold(name: str) -> str:
    return name.casefold()


def _same_value(value: str) -> str:
    """A value as compared by `IniFile.remove` and `IniFile.replace`."""
    return _fold(" ".join(value.split()))


def _unquote(raw: str) -> str:
    # COMPAT: GetPrivateProfileString drops one matching pair of double or single quotes.
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        return raw[1:-1]
    return raw


def _quote(value: str) -> str:
    """Spell `value` so that reading it back gives `value` again."""
    if value != value.strip() or _unquote(value) != value:
        return f'"{value}"'
    return value


def _check_section(name: str) -> None:
    if not name or name != name.strip() or "]" in name or _has_eol(name):
        raise ValueError(
            f"invalid section name {name!r}: it must be non-empty, without surrounding "
            "whitespace, ']' or line breaks"
        )


def _check_key(key: str) -> None:
    if not key or key != key.strip() or "=" in key or key[0] in ";[" or _has_eol(key):
        raise ValueError(
            f"invalid key {key!r}: it must be non-empty, without surrounding whitespace, "
            "'=' or line breaks, and must not start with ';' or '['"
        )


def _check_value(value: str) -> None:
    if _has_eol(value):
        raise ValueError(f"invalid value {value!r}: an INI value cannot contain line breaks")


def _has_eol(text: str) -> bool:
    return "\n" in text or "\r" in text


class IniFile:
    """An INI file edited in place, keeping everything it does not change.

    Create one with `parse` or `load`; an empty ``IniFile()`` is an empty file.

    Attributes
    ----------
    encoding : str
        The encoding `save` writes: the one `load` decoded the file with (``"utf-8"``,
        ``"cp1252"`` for old files, or ``"latin-1"``), ``"utf-8"`` otherwise.
    """

    def __init__(self) -> None:
        self._lines: list[_Line] = []
        self._eol = "\n"  # for new lines: the file's first line ending
        self._bom = False
        self.encoding = "utf-8"

    # -- reading and writing ------------------------------------------------------------

    @classmethod
    def parse(cls, text: str) -> IniFile:
        """Parse INI text.

        Parameters
        ----------
        text : str
            The whole file. Any mix of CRLF, LF and CR line endings is kept.
        """
        ini = cls()
        if text.startswith(_BOM):
            ini._bom = True
            text = text[len(_BOM) :]
        pos = 0
        for match in _EOL.finditer(text):
            ini._lines.append(_parse_line(text[pos : match.start()], match.group()))
            pos = match.end()
        if pos < len(text):
            ini._lines.append(_parse_line(text[pos:], ""))
        if ini._lines and ini._lines[0].eol:
            ini._eol = ini._lines[0].eol
        return ini

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> IniFile:
        """Read an INI file; a missing file gives an empty `IniFile`.

        The file is decoded as UTF-8, falling back to cp1252 for files from Windows-era tools.
        """
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            return cls()
        text, encoding = decode(data)
        if encoding != "utf-8":
            _log.debug("%s is not UTF-8; read it as %s", path, encoding)
        ini = cls.parse(text)
        ini.encoding = encoding
        return ini

    def text(self) -> str:
        """Return the file's text: unchanged lines exactly as they were read."""
        last = len(self._lines) - 1
        parts = [_BOM] if self._bom else []
        for i, line in enumerate(self._lines):
            # Only the original last line can lack an ending; lines appended after it need one.
            eol = line.eol or (self._eol if i < last else "")
            parts.append(line.content + eol)
        return "".join(parts)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the file atomically.

        The text goes to a temporary file in the same folder, which then replaces `path`
        (``os.replace``), so readers see the old file or the new one, never a mix. On any
        `OSError` the original file is unchanged and the error propagates. A symbolic link
        is written through, not replaced. An existing file's permissions are kept; a new
        file gets mode 0644.
        """
        text = self.text()
        try:
            data = text.encode(self.encoding)
        except UnicodeEncodeError:
            # New text the old encoding cannot hold: the whole file becomes UTF-8, which
            # `load` reads first.
            data = text.encode("utf-8")
            self.encoding = "utf-8"
        target = Path(os.path.realpath(path))
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            try:
                mode = target.stat().st_mode & 0o7777
            except FileNotFoundError:
                mode = 0o644
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    # -- sections -----------------------------------------------------------------------

    def _spans(self, section: str) -> list[tuple[int, int]]:
        """(header index, end index) of every block of `section`, in file order."""
        want = _fold(section)
        spans: list[tuple[int, int]] = []
        start: int | None = None
        for i, line in enumerate(self._lines):
            if line.header is None:
                continue
            if start is not None:
                spans.append((start, i))
                start = None
            if _fold(line.header) == want:
                start = i
        if start is not None:
            spans.append((start, len(self._lines)))
        return spans

    def _span(self, section: str) -> tuple[int, int] | None:
        spans = self._spans(section)
        return spans[0] if spans else None

    def _body_end(self, span: tuple[int, int]) -> int:
        """Where new lines go in a section: after its last line that is not blank."""
        header, end = span
        while end - 1 > header and self._lines[end - 1].blank:
            end -= 1
        return end

    def _new_line(self, content: str) -> _Line:
        return _parse_line(content, self._eol)

    def _append_section(self, section: str, body: list[_Line]) -> None:
        if self._lines and not self._lines[-1].blank:
            self._lines.append(self._new_line(""))  # a blank line between sections
        self._lines.append(self._new_line(f"[{section}]"))
        self._lines.extend(body)

    def sections(self) -> list[str]:
        """Section names in file order, each once, spelled as first written."""
        seen: dict[str, str] = {}
        for line in self._lines:
            if line.header is not None:
                seen.setdefault(_fold(line.header), line.header)
        return list(seen.values())

    def has_section(self, section: str) -> bool:
        """Whether the file has `section` (case-insensitive)."""
        return self._span(section) is not None

    def __contains__(self, section: object) -> bool:
        return isinstance(section, str) and self.has_section(section)

    def remove_section(self, section: str) -> bool:
        """Remove every block of `section` with its lines; return whether there was one."""
        spans = self._spans(section)
        for start, end in reversed(spans):
            del self._lines[start:end]
        return bool(spans)

    def section_text(self, section: str) -> str:
        """The lines of `section` (without its header and trailing blank lines) as text.

        Lines end with ``\\n``. A missing section gives ``""``. Meant for editing a section
        in a text editor; `replace_section` puts the result back.
        """
        span = self._span(section)
        if span is None:
            return ""
        lines = self._lines[span[0] + 1 : self._body_end(span)]
        return "".join(line.content + "\n" for line in lines)

    def replace_section(self, section: str, text: str) -> None:
        """Replace the lines of `section` with `text`, creating the section when missing.

        The header and the blank lines that separate the section from the next one stay.

        Raises
        ------
        ValueError
            If `text` contains a section header (it would split the section).
        """
        _check_section(section)
        body = IniFile.parse(text)._lines
        for number, line in enumerate(body, 1):
            if line.header is not None:
                raise ValueError(
                    f"line {number} of the new text for [{section}] is a section header "
                    f"({line.content.strip()!r}); a section cannot contain another"
                )
        while body and body[-1].blank:
            body.pop()
        for line in body:
            line.eol = self._eol
        span = self._span(section)
        if span is None:
            self._append_section(section, body)
        else:
            self._lines[span[0] + 1 : self._body_end(span)] = body

    # -- keys ---------------------------------------------------------------------------

    def _entries(self, section: str, key: str | None = None) -> list[int]:
        """Indices of the entry lines of `section` (first block), optionally of one key."""
        span = self._span(section)
        if span is None:
            return []
        want = None if key is None else _fold(key)
        return [
            i
            for i in range(span[0] + 1, span[1])
            if (k := self._lines[i].key) is not None and (want is None or _fold(k) == want)
        ]

    def keys(self, section: str) -> list[str]:
        """The keys of `section` in file order, with duplicates; ``[]`` if it is missing."""
        return [self._lines[i].key or "" for i in self._entries(section)]

    def items(self, section: str) -> list[tuple[str, str]]:
        """``(key, value)`` pairs of `section` in file order, values unquoted."""
        return [
            (self._lines[i].key or "", _unquote(self._lines[i].raw_value))
            for i in self._entries(section)
        ]

    def get(self, section: str, key: str, default: str | None = None) -> str | None:
        """The value of the first `key` in `section`, unquoted, or `default`."""
        found = self._entries(section, key)
        return _unquote(self._lines[found[0]].raw_value) if found else default

    def get_all(self, section: str, key: str) -> list[str]:
        """The values of every `key` in `section`, in file order."""
        return [_unquote(self._lines[i].raw_value) for i in self._entries(section, key)]

    def set(self, section: str, key: str, value: str) -> None:
        """Set `key` to `value`: one entry afterwards.

        The first entry is changed in place (its key spelling and the spacing around ``=``
        stay) and later duplicates are removed. A missing key is appended to the section,
        before its trailing blank lines; a missing section is appended to the file. A value
        with surrounding whitespace or quotes is written in quotes, so it reads back as given.
        """
        _check_section(section)
        _check_key(key)
        _check_value(value)
        spelled = _quote(value)
        found = self._entries(section, key)
        if not found:
            self.add(section, key, value)
            return
        for i in reversed(found[1:]):
            del self._lines[i]
        line = self._lines[found[0]]
        if line.raw_value != spelled:
            line.content = line.content[: line.value_at] + spelled

    def _matching(self, section: str, key: str, value: str | None) -> list[int]:
        found = self._entries(section, key)
        if value is None:
            return found
        want = _same_value(value)
        return [i for i in found if _same_value(_unquote(self._lines[i].raw_value)) == want]

    def replace(self, section: str, key: str, old: str, new: str) -> int:
        """Set the entries `key` of `section` whose value is `old` (ignoring case and runs
        of whitespace) to `new`, in place, leaving other duplicates of `key` alone; return
        how many."""
        _check_value(new)
        spelled = _quote(new)
        found = self._matching(section, key, old)
        for i in found:
            line = self._lines[i]
            line.content = line.content[: line.value_at] + spelled
        return len(found)

    def add(self, section: str, key: str, value: str) -> None:
        """Append ``key=value`` to `section` even if `key` is there already."""
        _check_section(section)
        _check_key(key)
        _check_value(value)
        line = self._new_line(f"{key}={_quote(value)}")
        span = self._span(section)
        if span is None:
            self._append_section(section, [line])
        else:
            self._lines.insert(self._body_end(span), line)

    def remove(self, section: str, key: str, value: str | None = None) -> int:
        """Remove the entries `key` of `section`; return how many.

        Parameters
        ----------
        value : str, optional
            Only remove entries whose (unquoted) value equals this, ignoring case and runs
            of whitespace.
        """
        found = self._matching(section, key, value)
        for i in reversed(found):
            del self._lines[i]
        return len(found)

    def __repr__(self) -> str:
        return f"<IniFile sections={self.sections()!r}>"
