"""The aws CLI's parameter syntax: JSON, shorthand and space-separated lists.

``parse_shorthand`` ports awscli/shorthand.py ShorthandParser, ``coerce`` its
BackCompatVisitor and ``parse_param`` the rules of awscli/argprocess.py
(Apache-2.0, Copyright Amazon.com, Inc.). Shapes are botocore model shapes.
"""

from __future__ import annotations

import json
import re
import string
from typing import Any

from lambdactl.cli import paramfile
from lambdactl.errors import LambdactlError, UsageError

_COMPLEX = ("structure", "list", "map")


class _SyntaxError(Exception):
    """A shorthand syntax error: ``message`` plus a caret under ``index``."""

    def __init__(self, message: str, value: str, index: int, suffix: str = "") -> None:
        super().__init__(f"{message}\n{_error_location(value, index)}{suffix}")


def _error_location(value: str, index: int) -> str:
    consumed, remaining, num_spaces = value, "", index
    if "\n" in value[:index]:
        num_spaces = index - value[:index].rindex("\n") - 1
    if "\n" in value[index:]:
        next_newline = index + value[index:].index("\n")
        consumed, remaining = value[:next_newline], value[next_newline:]
    return f"{consumed}\n{' ' * num_spaces}^{remaining}"


def _expected(value: str, expected: str, actual: str, index: int) -> _SyntaxError:
    return _SyntaxError(f"Expected: '{expected}', received: '{actual}' for input:", value, index)


_SINGLE_QUOTED = ("singled quoted", re.compile(r"\'(?:\\\'|[^\'])*\'"))
_DOUBLE_QUOTED = ("double quoted", re.compile(r'"(?:\\"|[^"])*"'))
_START_WORD = r"\!\#-&\(-\+\--\<\>-Z\\\\-z\u007c-\uffff"
_FIRST_FOLLOW = r"\s\!\#-&\(-\+\--\\\\\^-\|~-\uffff"
_SECOND_FOLLOW = r"\s\!\#-&\(-\+\--\<\>-\uffff"
_ESCAPED_COMMA = r"(\\,)"
_FIRST_VALUE = ("first", re.compile(f"({_ESCAPED_COMMA}|[{_START_WORD}])({_ESCAPED_COMMA}|[{_FIRST_FOLLOW}])*"))
_SECOND_VALUE = ("second", re.compile(f"({_ESCAPED_COMMA}|[{_START_WORD}])({_ESCAPED_COMMA}|[{_SECOND_FOLLOW}])*"))
_KEY_CHARS = frozenset(string.ascii_letters + string.digits + "-_.#/:")


class _Parser:
    """awscli ShorthandParser: purely syntactic, values are strings."""

    def __init__(self, value: str) -> None:
        self._value = value
        self._index = 0
        self._paramfile = False

    def parse(self) -> dict[str, Any]:
        # parameter = keyval *("," keyval)
        params: dict[str, Any] = {}
        key, val = self._keyval()
        params[key] = val
        last_index = self._index
        while self._index < len(self._value):
            self._expect(",", consume_whitespace=True)
            key, val = self._keyval()
            if key in params:
                raise _SyntaxError(
                    f'Second instance of key "{key}" encountered for input:',
                    self._value,
                    last_index + 1,
                    '\nThis is often because there is a preceding "," instead of a space.',
                )
            params[key] = val
            last_index = self._index
        return params

    def _keyval(self) -> tuple[str, Any]:
        # keyval = key "=" [values] / key "@=" [file-optional-values]
        key = self._key()
        self._read_key_operator()
        return key, self._values()

    def _read_key_operator(self) -> None:
        self._paramfile = False
        self._consume_whitespace()
        if self._current() == "@":
            self._index += 1
            self._consume_whitespace()
            self._paramfile = True
        self._expect("=", consume_whitespace=True)

    def _key(self) -> str:
        start = self._index
        while not self._at_eof() and self._value[self._index] in _KEY_CHARS:
            self._index += 1
        return self._value[start : self._index]

    def _values(self) -> Any:
        # values = csv-list / explicit-list / hash-literal
        if self._at_eof():
            return ""
        if self._current() == "[":
            return self._explicit_list()
        if self._current() == "{":
            return self._hash_literal()
        return self._csv_value()

    def _csv_value(self) -> Any:
        first_value = self._first_value()
        self._consume_whitespace()
        if self._at_eof() or self._value[self._index] != ",":
            return first_value
        self._expect(",", consume_whitespace=True)
        csv_list = [first_value]
        while True:
            try:
                current = self._second_value()
                self._consume_whitespace()
                if self._at_eof():
                    csv_list.append(current)
                    break
                self._expect(",", consume_whitespace=True)
                csv_list.append(current)
            except _SyntaxError:
                # foo=a,b,c=d: "c" was the next key; back up to its comma.
                if self._at_eof():
                    raise
                self._backtrack_to(",")
                break
        return first_value if len(csv_list) == 1 else csv_list

    def _explicit_list(self) -> list[Any]:
        self._expect("[", consume_whitespace=True)
        values = []
        while self._current() != "]":
            values.append(self._explicit_values())
            self._consume_whitespace()
            if self._current() != "]":
                self._expect(",")
                self._consume_whitespace()
        self._expect("]")
        return values

    def _explicit_values(self) -> Any:
        if self._current() == "[":
            return self._explicit_list()
        if self._current() == "{":
            return self._hash_literal()
        return self._first_value()

    def _hash_literal(self) -> dict[str, Any]:
        self._expect("{", consume_whitespace=True)
        keyvals: dict[str, Any] = {}
        while self._current() != "}":
            key = self._key()
            self._read_key_operator()
            value = self._explicit_values()
            self._consume_whitespace()
            if self._current() != "}":
                self._expect(",")
                self._consume_whitespace()
            keyvals[key] = value
        self._expect("}")
        return keyvals

    def _first_value(self) -> Any:
        if self._current() in ("'", '"'):
            return self._quoted_value()
        match = _FIRST_VALUE[1].match(self._value, self._index)
        if match is None:
            return ""
        self._index = match.end()
        return self._resolve(match.group().replace("\\,", ",").rstrip())

    def _second_value(self) -> Any:
        if self._current() in ("'", '"'):
            return self._quoted_value()
        consumed = self._must_consume(_SECOND_VALUE)
        return self._resolve(consumed.replace("\\,", ",").rstrip())

    def _quoted_value(self) -> Any:
        quote = self._current() or '"'  # called on a quote character
        regex = _SINGLE_QUOTED if quote == "'" else _DOUBLE_QUOTED
        value = self._must_consume(regex)[1:-1]
        value = value.replace("\\" + quote, quote).replace("\\\\", "\\")
        return self._resolve(value)

    def _resolve(self, value: str) -> Any:
        return paramfile.load(value, "") if self._paramfile else value

    def _expect(self, char: str, consume_whitespace: bool = False) -> None:
        if consume_whitespace:
            self._consume_whitespace()
        if self._at_eof():
            raise _expected(self._value, char, "EOF", self._index)
        actual = self._value[self._index]
        if actual != char:
            raise _expected(self._value, char, actual, self._index)
        self._index += 1
        if consume_whitespace:
            self._consume_whitespace()

    def _must_consume(self, named_regex: tuple[str, re.Pattern[str]]) -> str:
        name, regex = named_regex
        match = regex.match(self._value, self._index)
        if match is None:
            raise _expected(self._value, f"<{name}>", "<none>", self._index)
        self._index = match.end()
        return match.group()

    def _current(self) -> str | None:
        return self._value[self._index] if self._index < len(self._value) else None

    def _at_eof(self) -> bool:
        return self._index >= len(self._value)

    def _backtrack_to(self, char: str) -> None:
        while self._index >= 0 and self._value[self._index] != char:
            self._index -= 1

    def _consume_whitespace(self) -> None:
        while not self._at_eof() and self._value[self._index] in string.whitespace:
            self._index += 1


def _param_error(param_name: str, message: str) -> UsageError:
    # awscli/argprocess.py ParamError
    return UsageError(f"Error parsing parameter '{param_name}': {message}" if param_name else message)


def parse_shorthand(text: str, param_name: str = "") -> Any:
    """Parse ``Key=Value,Key2={A=1},Key3=[a,b]`` into dicts/lists of strings."""
    try:
        return _Parser(text).parse()
    except _SyntaxError as exc:
        raise _param_error(param_name, str(exc)) from None


def coerce(value: Any, shape_name: str, shapes: dict, param_name: str) -> Any:
    """Type shorthand strings by the model, as awscli's BackCompatVisitor does.

    integer/long -> int, float/double -> float, "true"/"false" -> bool (other
    strings are left for validation to reject), a lone value where a list is
    expected -> ``[value]``; recursion through structures, lists and maps.
    JSON input is not coerced by the aws CLI: don't pass it here.
    ``param_name`` is accepted for symmetry; awscli's messages here don't name it.
    """
    shape = shapes[shape_name]
    kind = shape["type"]
    if value is None:
        return None
    if kind == "structure":
        if not isinstance(value, dict):
            return value
        members = shape.get("members", {})
        return {
            key: coerce(item, members[key]["shape"], shapes, param_name) if key in members else item
            for key, item in value.items()
        }
    if kind == "list":
        if not isinstance(value, list):
            return [value]  # awscli wraps a lone value without typing it
        return [coerce(item, shape["member"]["shape"], shapes, param_name) for item in value]
    if kind == "map":
        if not isinstance(value, dict):
            return value
        value_shape = shape["value"]["shape"]
        return {key: coerce(item, value_shape, shapes, param_name) for key, item in value.items()}
    try:
        if kind in ("integer", "long"):
            return int(value)
        if kind in ("float", "double"):
            return float(value)
    except (TypeError, ValueError) as exc:
        # awscli lets this escape: the CLI prints the message and exits 255
        raise LambdactlError(str(exc)) from None
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def parse_param(raw: str | list[str], shape_name: str, shapes: dict, param_name: str) -> Any:
    """Turn a structure/map/list option's command-line words into its value.

    ``raw`` is one string, or the words of a list option (``--layers a b``).
    JSON if it starts with ``{``/``[``; otherwise shorthand for structures,
    maps and lists of structures (one shorthand document per word), each
    word an item for lists of scalars. Shorthand values are then typed by
    ``coerce``; JSON stays as written (awscli/argprocess.py).
    """
    shape = shapes[shape_name]
    words = raw if isinstance(raw, list) else [raw]
    looks_like_json = bool(words) and words[0].strip().startswith(("[", "{"))
    if not looks_like_json and _supports_shorthand(shape, shapes):
        try:
            parsed: Any = [_Parser(word).parse() for word in words]
        except _SyntaxError as exc:
            raise _param_error(param_name, str(exc)) from None
        if shape["type"] != "list":
            parsed = parsed[0]
        return coerce(parsed, shape_name, shapes, param_name)
    return _unpack(shape, words if shape["type"] == "list" else words[0], shapes, param_name)


def _supports_shorthand(shape: dict, shapes: dict) -> bool:
    if shape["type"] == "list":
        return shapes[shape["member"]["shape"]]["type"] in _COMPLEX
    return shape["type"] in ("structure", "map")


def _unpack(shape: dict, value: Any, shapes: dict, param_name: str) -> Any:
    """awscli ``_unpack_cli_arg`` for values that are not shorthand."""
    kind = shape["type"]
    if kind in ("structure", "map"):
        if value.lstrip()[:1] == "{":
            return _load_json(value, param_name)
        raise _param_error(param_name, f"Invalid JSON:\n{value}")
    if kind == "list":
        if isinstance(value, str):
            value = [value]
        if len(value) == 1 and value[0].strip()[:1] == "[":
            return _load_json(value[0], param_name)
        member = shapes[shape["member"]["shape"]]
        try:
            return [_unpack(member, word, shapes, param_name) for word in value]
        except (ValueError, TypeError):
            raise _param_error(param_name, value[0]) from None
    return _unpack_scalar(kind, value)


def _unpack_scalar(kind: str, value: str) -> Any:
    if kind in ("integer", "long"):
        return int(value)
    if kind in ("float", "double"):
        return float(value)
    if kind == "boolean":
        return value.lower() != "false" and bool(value)
    return value


def _load_json(value: str, param_name: str) -> Any:
    try:
        return json.loads(value)
    except ValueError as exc:
        raise _param_error(param_name, f"Invalid JSON: {exc}\nJSON received: {value}") from None
