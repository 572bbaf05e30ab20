"""Streaming CSV reading shared by the automated checks (pure: no Django).

``iter_csv`` reads one physical line at a time, so memory stays flat however large the
file is, and every problem is reported as a ``CsvFormatError`` that names the line:

- bytes that do not decode in the declared encoding (the text is decoded with
  ``surrogateescape`` and each line is checked, so the error names the real line rather
  than the line where the decoder's read-ahead buffer happened to fail);
- NUL bytes (Python 3.11's ``csv`` accepts them silently; they mean a binary or UTF-16 file);
- an empty file or an empty header line;
- a record whose field count differs from the header's;
- malformed quoting (the reader is strict: an unclosed quote is an error naming the line
  the record starts on, not a field that swallows the rest of the file);
- a physical line longer than ``max_line_chars`` (a file with no line breaks would
  otherwise be read into memory whole) and anything ``csv`` itself rejects
  (e.g. a field over ``csv.field_size_limit()``).

Line numbers are 1-based physical lines; a record spanning several lines (a quoted field
with a line break) is reported by the line it starts on. Completely blank lines are
skipped (``csv.writer`` writes a one-column empty value as ``""``, never as a blank line).

The binary stream handed in is never closed: it is read through a non-closing adapter.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO, Any

DEFAULT_ENCODING = "utf-8-sig"
DEFAULT_MAX_LINE_CHARS = 1 << 20  # one physical line; records may span several lines
_READ_CHUNK = 1 << 16

# A lone surrogate U+DC80..U+DCFF is what ``surrogateescape`` leaves for an undecodable byte.
_BAD_CHARS = re.compile("[\x00\udc80-\udcff]")

__all__ = ["CsvFormatError", "CsvRows", "iter_csv"]


class CsvFormatError(ValueError):
    """The stream is not a well-formed CSV file; ``line`` is the 1-based line, if known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class _NonClosingReader(io.RawIOBase):
    """Raw-stream view of any binary file-like object; closing it leaves the source open.

    ``io.TextIOWrapper`` closes the stream it wraps when it is closed or garbage collected;
    the caller's upload or storage file must outlive the scan.
    """

    def __init__(self, source: Any) -> None:
        super().__init__()
        self._source = source

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._source.read(len(buffer))
        if not data:
            return 0
        size = len(data)
        buffer[:size] = data
        return size


def _is_text_stream(stream: Any) -> bool:
    if isinstance(stream, io.TextIOBase):
        return True
    if isinstance(stream, io.RawIOBase | io.BufferedIOBase):
        return False
    # Duck-typed file objects (e.g. Django's File proxies): ask for zero characters/bytes.
    return isinstance(stream.read(0), str)


def _open_text(stream: Any, encoding: str) -> IO[str]:
    if _is_text_stream(stream):
        return stream
    try:
        return io.TextIOWrapper(
            io.BufferedReader(_NonClosingReader(stream), buffer_size=_READ_CHUNK),
            encoding=encoding,
            errors="surrogateescape",
            newline="",
        )
    except LookupError as exc:
        raise CsvFormatError(f"unknown text encoding {encoding!r}") from exc


def _checked_lines(text: IO[str], encoding: str, max_line_chars: int) -> Iterator[str]:
    """Physical lines of a text stream, each checked for NULs, bad bytes and length.

    A generator rather than a class: it runs once per line of a possibly huge file.
    """
    readline = text.readline
    find_bad = _BAD_CHARS.search
    limit = max_line_chars + 1
    number = 0
    while chunk := readline(limit):
        number += 1
        if len(chunk) > max_line_chars:
            raise CsvFormatError(f"line longer than {max_line_chars} characters", line=number)
        if number == 1 and chunk.startswith("\ufeff"):  # BOM left by a text-mode caller
            chunk = chunk[1:]
        bad = find_bad(chunk)
        if bad is not None:
            raise _bad_character(bad, encoding, number)
        yield chunk


def _bad_character(bad: re.Match[str], encoding: str, line: int) -> CsvFormatError:
    column = bad.start() + 1
    if bad.group() == "\x00":
        return CsvFormatError(f"NUL byte at character {column} (binary or UTF-16 file?)", line)
    byte = ord(bad.group()) - 0xDC00
    return CsvFormatError(f"byte 0x{byte:02X} at character {column} is not valid {encoding}", line)


class CsvRows(Iterator[list[str]]):
    """The data records after the header, each checked to have the header's field count.

    ``line`` is the physical line the record last returned starts on and ``records`` how
    many records have been returned (blank lines are not counted).
    """

    def __init__(self, header: list[str], reader: Any) -> None:
        self.header = header
        self.line = reader.line_num
        self.records = 0
        self._reader = reader
        self._width = len(header)

    def __iter__(self) -> CsvRows:
        return self

    def __next__(self) -> list[str]:
        reader = self._reader
        while True:
            start = reader.line_num + 1
            try:
                row = next(reader)
            except csv.Error as exc:
                raise _csv_error(exc, reader, start) from exc
            if row:  # blank lines come back as []
                break
        self.line = start
        if len(row) != self._width:
            raise CsvFormatError(
                f"expected {self._width} fields (as in the header), found {len(row)}",
                line=start,
            )
        self.records += 1
        return row


def _csv_error(exc: csv.Error, reader: Any, start: int) -> CsvFormatError:
    if "unexpected end of data" in str(exc):
        return CsvFormatError("quoted field is never closed (unexpected end of file)", start)
    return CsvFormatError(str(exc), reader.line_num)


def iter_csv(
    stream: IO[bytes] | IO[str] | Any,
    encoding: str = DEFAULT_ENCODING,
    *,
    max_line_chars: int = DEFAULT_MAX_LINE_CHARS,
    dialect: str | type[csv.Dialect] = "excel",
) -> tuple[list[str], CsvRows]:
    """Read the header now and return it with a lazy iterator over the data records.

    ``stream`` is a binary file-like object (decoded with ``encoding``; the default
    ``utf-8-sig`` drops a UTF-8 byte-order mark) or a text one (``encoding`` is ignored;
    open files with ``newline=""`` so quoted line breaks survive).
    """
    text = _open_text(stream, encoding)
    lines = _checked_lines(text, encoding, max_line_chars)
    # strict: a stray quote is an error, not a field that silently swallows the rest of the file
    reader = csv.reader(lines, dialect, strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise CsvFormatError("empty file: no header row", line=1) from None
    except csv.Error as exc:
        raise _csv_error(exc, reader, 1) from exc
    if not header or all(not name.strip() for name in header):
        raise CsvFormatError("header row is empty", line=1)
    return header, CsvRows(header, reader)
