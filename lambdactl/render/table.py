"""The aws CLI ``table`` output format.

Port of awscli/formatter.py TableFormatter and awscli/table.py
(Apache-2.0, Copyright Amazon.com, Inc.).
"""

from __future__ import annotations

import os
import unicodedata
from typing import Any, TextIO

from lambdactl.errors import LambdactlError

_BLUE = "\x1b[1m\x1b[34m"  # colorama Style.BRIGHT + Fore.BLUE
_YELLOW = "\x1b[2m\x1b[33m"  # colorama Style.DIM + Fore.YELLOW
_RESET = "\x1b[0m"


def write_table(data: Any, stream: TextIO, *, title: str, colorize: bool = False) -> None:
    """Write ``data`` as awscli's boxed table titled ``title``; nothing if empty."""
    table = _MultiTable(_terminal_width(stream), colorize)
    if _build(table, title, data):
        table.render(stream)


def _terminal_width(stream: TextIO, default: int = 80) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return default


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (list, dict))


def _build(table: _MultiTable, title: str | None, current: Any, indent: int = 0) -> bool:
    if not current:
        return False
    if title is not None:
        table.new_section(title, indent)
    if isinstance(current, list):
        if isinstance(current[0], dict):
            _build_from_list(table, current, indent, title)
        else:
            for item in current:
                if _is_scalar(item):
                    table.add_row([item])
                elif all(_is_scalar(el) for el in item):
                    table.add_row(item)
                else:
                    _build(table, None, item)
    if isinstance(current, dict):
        _build_from_dict(table, current, indent)
    return True


def _build_from_dict(table: _MultiTable, current: dict, indent: int) -> None:
    headers, more = _group_scalar_keys(current)
    if len(headers) == 1:
        table.add_row([headers[0], current[headers[0]]])
    elif headers:
        table.add_row_header(headers)
        table.add_row([current[k] for k in headers])
    for remaining in more:
        _build(table, remaining, current[remaining], indent + 1)


def _build_from_list(table: _MultiTable, current: list, indent: int, title: str | None) -> None:
    headers: set[str] = set()
    more: set[str] = set()
    for item in current:
        item_headers, item_more = _group_scalar_keys(item)
        headers.update(item_headers)
        more.update(item_more)
    header_list, more_list = sorted(headers), sorted(more)
    table.add_row_header(header_list)
    for position, element in enumerate(current):
        if position and more_list:
            table.new_section(title, indent)
            table.add_row_header(header_list)
        table.add_row([element.get(header, "") for header in header_list])
        for remaining in more_list:
            if remaining in element:
                _build(table, remaining, element[remaining], indent + 1)


def _group_scalar_keys(current: dict) -> tuple[list[str], list[str]]:
    headers = sorted(k for k, v in current.items() if _is_scalar(v))
    more = sorted(k for k, v in current.items() if not _is_scalar(v))
    return headers, more


def _text_length(text: Any) -> int:
    """Display width: East Asian wide/fullwidth/ambiguous characters count 2."""
    return sum(2 if unicodedata.east_asian_width(c) in "WFA" else 1 for c in str(text))


def _center(text: str, length: int, left: str, right: str, text_length: int) -> str:
    start = (length // 2) - (text_length // 2) - 1
    so_far = _text_length(left) + start + text_length
    return left + " " * start + text + " " * (length - _text_length(right) - so_far) + right


def _align_left(text: str, length: int, left: str, right: str, text_length: int) -> str:
    padding = 2 if length - (text_length + 2 + _text_length(left) + _text_length(right)) >= 0 else 0
    so_far = len(left) + padding + text_length
    return left + " " * padding + text + " " * (length - so_far - len(right)) + right


class _Section:
    def __init__(self, title: str | None, indent: int = 0) -> None:
        self.title = title
        self.indent = indent
        self.headers: list[str] = []
        self.rows: list[list[str]] = []
        self._num_cols: int | None = None
        self._max_widths: list[int] = []

    def column_widths(self, padding: int = 0, max_width: int | None = None) -> list[int]:
        widths = [w + padding for w in self._max_widths]
        if max_width is None or not widths:
            return widths
        scale = max_width / float(sum(widths))
        scaled = [int(round(scale * w)) for w in widths]
        off_by = sum(scaled) - max_width
        while off_by != 0:
            order = range(len(scaled)) if off_by > 0 else reversed(range(len(scaled)))
            for i in order:
                if off_by > 0:
                    scaled[i] -= 1
                    off_by -= 1
                else:
                    scaled[i] += 1
                    off_by += 1
                if off_by == 0:
                    break
        return scaled

    def total_width(self, padding: int = 0, outer_padding: int = 0) -> int:
        total = sum(w + padding for w in self.column_widths()) + 2 + 2 * outer_padding
        return max(_text_length(self.title) + 2 + 2 * outer_padding, total)

    def add_header(self, headers: list[str]) -> None:
        self._update_max_widths(headers)
        if self._num_cols is None:
            self._num_cols = len(headers)
        self.headers = headers

    def add_row(self, row: list[Any]) -> None:
        if self._num_cols is None:
            self._num_cols = len(row)
        if len(row) != self._num_cols:
            # awscli raises ValueError here: the CLI prints it and exits 255
            raise LambdactlError(f"Row should have {self._num_cols} elements, instead it has {len(row)}")
        cells = [str(r) for r in row]
        self.rows.append(cells)
        self._update_max_widths(cells)

    def _update_max_widths(self, row: list[str]) -> None:
        if not self._max_widths:
            self._max_widths = [_text_length(el) for el in row]
        else:
            for i, el in enumerate(row):
                self._max_widths[i] = max(_text_length(el), self._max_widths[i])


class _Indented:
    """A stream that frames each written line with the section's indent bars."""

    def __init__(self, stream: TextIO, level: int, bar: str) -> None:
        self._stream, self._level, self._bar = stream, level, bar

    def write(self, text: str) -> None:
        self._stream.write(self._bar * self._level)
        if text.endswith("\n"):
            self._stream.write(text[:-1] + self._bar * self._level + "\n")
        else:
            self._stream.write(text)


class _MultiTable:
    def __init__(self, terminal_width: int, colorize: bool) -> None:
        self._sections: list[_Section] = []
        self._terminal_width = terminal_width
        self._colorize = colorize

    def new_section(self, title: str | None, indent: int = 0) -> None:
        # awscli keeps a None title: it prints nothing but counts as "None" in widths
        self._sections.append(_Section(title, indent))

    def add_row_header(self, headers: list[str]) -> None:
        self._sections[-1].add_header(headers)

    def add_row(self, row: list[Any]) -> None:
        self._sections[-1].add_row(row)

    def render(self, stream: TextIO) -> None:
        max_width = self._max_width()
        if max_width > self._terminal_width:
            self._convert_to_vertical()
            max_width = self._max_width()
        stream.write("-" * max_width + "\n")
        for section in self._sections:
            self._render_section(section, max_width, stream)

    def _max_width(self) -> int:
        return max(s.total_width(padding=4, outer_padding=s.indent) for s in self._sections)

    def _convert_to_vertical(self) -> None:
        # Single-row sections become two columns: header | value.
        for i, section in enumerate(self._sections):
            if len(section.rows) == 1 and section.headers:
                vertical = _Section(section.title, section.indent)
                for header, element in zip(section.headers, section.rows[0]):
                    vertical.add_row([header, element])
                self._sections[i] = vertical

    def _style_row(self, text: str) -> str:
        return f"{_BLUE}{text}{_RESET}" if self._colorize else text

    def _render_section(self, section: _Section, max_width: int, stream: TextIO) -> None:
        bar = f"{_YELLOW}|{_RESET}" if self._colorize else "|"
        out = _Indented(stream, section.indent, bar)
        max_width -= section.indent * 2
        if section.title:
            out.write(_center(section.title, max_width, "|", "|", _text_length(section.title)) + "\n")
            if not section.headers and not section.rows:
                out.write("+%s+\n" % ("-" * (max_width - 2)))
        if section.headers:
            widths = section.column_widths(padding=4, max_width=max_width)
            line = "".join(
                _center(h, w, "|" if i == 0 else "", "|", _text_length(h))
                for i, (w, h) in enumerate(zip(widths, section.headers))
            )
            self._line_break(out, widths)
            out.write(line + "\n")
        if section.rows:
            widths = section.column_widths(padding=4, max_width=max_width)
            if not widths:
                return
            self._line_break(out, widths)
            for row in section.rows:
                line = "".join(
                    _align_left(self._style_row(el), w, "|" if i == 0 else "", "|", _text_length(el))
                    for i, (w, el) in enumerate(zip(widths, row))
                )
                out.write(line + "\n")
            self._line_break(out, widths)

    @staticmethod
    def _line_break(out: _Indented, widths: list[int]) -> None:
        parts = ["+%s+" % ("-" * (widths[0] - 2))]
        parts += ["%s+" % ("-" * (w - 1)) for w in widths[1:]]
        out.write("".join(parts) + "\n")
