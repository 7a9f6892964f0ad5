"""Go's fmt package for template values: ``Sprint``, ``Sprintln``, ``Sprintf`` and ``%v``.

Ported rule by rule from Go's fmt (print.go, format.go) and strconv (ftoa, quote) for the
values templates handle (see ``values``): verbs ``%v %+v %#v %T %t %d %b %o %O %x %X %c %q %U
%e %E %f %F %g %G %s %%``, flags ``+ - # 0 space``, width and precision (also ``*`` and
explicit argument indexes ``%[2]d``), and Go's messages for misuse: ``%!d(string=x)``,
``%!s(MISSING)``, ``%!(EXTRA int=1)``, ``%!(NOVERB)``, ``%!(BADWIDTH)``, ``%!(BADPREC)``,
``%!d(BADINDEX)``. Not ported: ``%p`` (addresses) prints as a bad verb.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from lambherd.definition.gotemplate.values import GoByte, GoFunc, to_bytes, type_name

_LDIGITS = "0123456789abcdefx"
_UDIGITS = "0123456789ABCDEFX"
_MAX_WIDTH = 1_000_000


def sprint(args: list[Any]) -> str:
    """``fmt.Sprint``: operands formatted with %v, a space between two non-strings."""
    p = _Printer()
    prev_string = False
    for i, arg in enumerate(args):
        is_string = isinstance(arg, str)
        if i > 0 and not is_string and not prev_string:
            p.buf.append(" ")
        p.print_arg(arg, "v")
        prev_string = is_string
    return "".join(p.buf)


def sprintln(args: list[Any]) -> str:
    """``fmt.Sprintln``: operands formatted with %v, separated by spaces, then a newline."""
    p = _Printer()
    for i, arg in enumerate(args):
        if i > 0:
            p.buf.append(" ")
        p.print_arg(arg, "v")
    p.buf.append("\n")
    return "".join(p.buf)


def sprintf(fmt: str, args: list[Any]) -> str:
    """``fmt.Sprintf``."""
    p = _Printer()
    p.do_printf(fmt, args)
    return "".join(p.buf)


def format_v(value: Any) -> str:
    """``fmt.Sprint(value)`` for one value (how an action prints it)."""
    if isinstance(value, str):
        return value
    p = _Printer()
    p.print_arg(value, "v")
    return "".join(p.buf)


def quote(text: str, *, ascii_only: bool = False) -> str:
    """``strconv.Quote`` (``QuoteToASCII`` with ``ascii_only``)."""
    out = ['"']
    for ch in text:
        out.append(_quote_char(ch, '"', ascii_only))
    out.append('"')
    return "".join(out)


def quote_rune(code: int, *, ascii_only: bool = False) -> str:
    """``strconv.QuoteRune``."""
    if code < 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        code = 0xFFFD
    return "'" + _quote_char(chr(code), "'", ascii_only) + "'"


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_ESCAPES["\v"] = "\\v"


def _quote_char(ch: str, q: str, ascii_only: bool) -> str:
    code = ord(ch)
    if 0xDC80 <= code <= 0xDCFF:  # a raw byte that is not valid UTF-8
        return f"\\x{code - 0xDC00:02x}"
    if ch == q or ch == "\\":
        return "\\" + ch
    if ascii_only:
        if code < 0x80 and ch.isprintable():
            return ch
    elif ch.isprintable():
        return ch
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _can_backquote(text: str) -> bool:
    for ch in text:
        code = ord(ch)
        if ch == "`" or ch == "\ufeff" or 0xDC80 <= code <= 0xDCFF:
            return False
        if (code < 0x20 and ch != "\t") or code == 0x7F:
            return False
    return True


# --- float formatting (strconv.FormatFloat) -------------------------------------------------
def _shortest_digits(v: float) -> tuple[str, int]:
    """The shortest round-trip digits of ``abs(v)`` and the decimal point position."""
    if v == 0:
        return "0", 1
    _, digits, exponent = Decimal(repr(abs(v))).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    return text, len(digits) + int(exponent)


def _fmt_e(neg: bool, digits: str, dp: int, prec: int, verb: str) -> str:
    out = "-" if neg else ""
    out += digits[0]
    if prec > 0:
        frac = digits[1 : 1 + prec]
        out += "." + frac + "0" * (prec - len(frac))
    exp = 0 if digits == "0" else dp - 1
    sign = "-" if exp < 0 else "+"
    exp = abs(exp)
    return f"{out}{verb}{sign}{exp:02d}"


def _fmt_f(neg: bool, digits: str, dp: int, prec: int) -> str:
    out = "-" if neg else ""
    if dp > 0:
        whole = digits[:dp]
        out += whole + "0" * (dp - len(whole))
    else:
        out += "0"
    if prec > 0:
        frac = ""
        for i in range(prec):
            j = dp + i
            frac += digits[j] if 0 <= j < len(digits) else "0"
        out += "." + frac
    return out


def format_float(v: float, verb: str, prec: int) -> str:
    """``strconv.FormatFloat(v, verb, prec, 64)`` for verbs e E f F g G x X b."""
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    if verb in "xX":
        return _fmt_hex_float(v, prec, verb)
    if verb == "b":
        mant, exp = math.frexp(abs(v))
        m, e = (int(mant * (1 << 53)), exp - 53) if v else (0, -1074)
        return f"{'-' if math.copysign(1, v) < 0 else ''}{m}p{'+' if e >= 0 else ''}{e}"
    neg = math.copysign(1.0, v) < 0
    upper = verb in "EG"
    lower = verb.lower()
    if prec < 0:
        digits, dp = _shortest_digits(v)
        if lower == "e":
            out = _fmt_e(neg, digits, dp, len(digits) - 1, "e")
        elif lower == "f":
            out = _fmt_f(neg, digits, dp, max(len(digits) - dp, 0))
        else:
            exp = dp - 1
            if digits != "0" and (exp < -4 or exp >= 6):
                out = _fmt_e(neg, digits, dp, len(digits) - 1, "e")
            else:
                out = _fmt_f(neg, digits, dp, max(len(digits) - dp, 0))
    else:
        spec = "g" if lower == "g" else lower
        out = format(v, f".{prec}{spec}")
    return out.upper() if upper else out


def _fmt_hex_float(v: float, prec: int, verb: str) -> str:
    neg = math.copysign(1.0, v) < 0
    if v == 0:
        mant, exp = "0", 0
    else:
        text = float.hex(abs(v))  # 0x1.8000000000000p+0
        body, exp_text = text[2:].split("p")
        mant = body.rstrip("0").rstrip(".") if "." in body else body
        exp = int(exp_text)
        if prec >= 0:
            whole, _, frac = body.partition(".")
            value = int(whole + frac, 16) if frac else int(whole, 16)
            drop = len(frac) - prec
            if drop > 0:
                q, r = divmod(value, 16**drop)
                half = 16**drop // 2
                if r > half or (r == half and q & 1):
                    q += 1
                digits = f"{q:x}"
                if q >= 2 * 16**prec:  # rounded up to 2.0: renormalise to 1.0 x 2
                    q //= 2
                    exp += 1
                    digits = f"{q:x}"
                frac = digits[1:].rjust(prec, "0") if prec else ""
                whole = digits[0]
            else:
                frac = frac + "0" * (-drop)
            mant = whole + ("." + frac if prec > 0 else "")
    if prec > 0 and v == 0:
        mant = "0." + "0" * prec
    sign = "-" if exp < 0 else "+"
    out = f"{'-' if neg else ''}0x{mant}p{sign}{abs(exp):02d}"
    return out.upper() if verb == "X" else out


# --- the printer ------------------------------------------------------------------------
class _Printer:
    __slots__ = (
        "arg",
        "buf",
        "minus",
        "plus",
        "plus_v",
        "prec",
        "prec_present",
        "reordered",
        "sharp",
        "sharp_v",
        "space",
        "wid",
        "wid_present",
        "zero",
    )

    def __init__(self) -> None:
        self.buf: list[str] = []
        self.reordered = False
        self.arg: Any = None
        self.clear()

    def clear(self) -> None:
        self.wid_present = self.prec_present = False
        self.minus = self.plus = self.sharp = self.space = self.zero = False
        self.plus_v = self.sharp_v = False
        self.wid = self.prec = 0

    # -- padding -----------------------------------------------------------------------
    def _padding(self, n: int) -> None:
        if n > 0:
            self.buf.append(("0" if self.zero and not self.minus else " ") * n)

    def pad(self, text: str) -> None:
        if not self.wid_present or self.wid == 0:
            self.buf.append(text)
            return
        width = self.wid - len(text)
        if not self.minus:
            self._padding(width)
            self.buf.append(text)
        else:
            self.buf.append(text)
            self._padding(width)

    # -- Printf ------------------------------------------------------------------------
    def do_printf(self, fmt: str, args: list[Any]) -> None:
        end = len(fmt)
        arg_num = 0
        after_index = False
        self.reordered = False
        i = 0
        while i < end:
            good_arg_num = True
            lasti = i
            while i < end and fmt[i] != "%":
                i += 1
            if i > lasti:
                self.buf.append(fmt[lasti:i])
            if i >= end:
                break
            i += 1  # skip %
            self.clear()
            while i < end:
                c = fmt[i]
                if c == "#":
                    self.sharp = True
                elif c == "0":
                    self.zero = not self.minus
                elif c == "+":
                    self.plus = True
                elif c == "-":
                    self.minus = True
                    self.zero = False
                elif c == " ":
                    self.space = True
                else:
                    break
                i += 1
            arg_num, i, after_index, ok = self._arg_number(arg_num, fmt, i, len(args))
            good_arg_num = good_arg_num and ok
            if i < end and fmt[i] == "*":
                i += 1
                self.wid, self.wid_present, arg_num = _int_from_arg(args, arg_num)
                if not self.wid_present:
                    self.buf.append("%!(BADWIDTH)")
                if self.wid < 0:
                    self.wid = -self.wid
                    self.minus = True
                    self.zero = False
                after_index = False
            else:
                self.wid, self.wid_present, i = _parse_num(fmt, i, end)
                if after_index and self.wid_present:
                    good_arg_num = False
            if i + 1 < end and fmt[i] == ".":
                i += 1
                if after_index:
                    good_arg_num = False
                arg_num, i, after_index, ok = self._arg_number(arg_num, fmt, i, len(args))
                good_arg_num = good_arg_num and ok
                if i < end and fmt[i] == "*":
                    i += 1
                    self.prec, self.prec_present, arg_num = _int_from_arg(args, arg_num)
                    if self.prec < 0:
                        self.prec = 0
                        self.prec_present = False
                    if not self.prec_present:
                        self.buf.append("%!(BADPREC)")
                    after_index = False
                else:
                    self.prec, self.prec_present, i = _parse_num(fmt, i, end)
                    if not self.prec_present:
                        self.prec = 0
                        self.prec_present = True
            if not after_index:
                arg_num, i, after_index, ok = self._arg_number(arg_num, fmt, i, len(args))
                good_arg_num = good_arg_num and ok
            if i >= end:
                self.buf.append("%!(NOVERB)")
                break
            verb = fmt[i]
            i += 1
            if verb == "%":
                self.buf.append("%")
            elif not good_arg_num:
                self.buf.append(f"%!{verb}(BADINDEX)")
            elif arg_num >= len(args):
                self.buf.append(f"%!{verb}(MISSING)")
            else:
                if verb == "v":
                    self.sharp_v, self.sharp = self.sharp, False
                    self.plus_v, self.plus = self.plus, False
                self.print_arg(args[arg_num], verb)
                arg_num += 1
        if not self.reordered and arg_num < len(args):
            self.clear()
            self.buf.append("%!(EXTRA ")
            for k, arg in enumerate(args[arg_num:]):
                if k:
                    self.buf.append(", ")
                if arg is None:
                    self.buf.append("<nil>")
                else:
                    self.buf.append(type_name(arg) + "=")
                    self.print_arg(arg, "v")
            self.buf.append(")")

    def _arg_number(self, arg_num: int, fmt: str, i: int, num_args: int) -> tuple:
        """Go's argNumber: (argument index, new offset, found, good argument number)."""
        if len(fmt) <= i or fmt[i] != "[":
            return arg_num, i, False, True
        self.reordered = True
        index, width, ok = _parse_arg_number(fmt[i:])
        if ok and 0 <= index < num_args:
            return index, i + width, True, True
        return arg_num, i + width, ok, False

    # -- one argument ------------------------------------------------------------------
    def print_arg(self, arg: Any, verb: str) -> None:
        self.arg = arg
        if arg is None:
            if verb in "Tv":
                self.pad("<nil>")
            else:
                self.bad_verb(verb)
            return
        if verb == "T":
            self.pad(type_name(arg))
            return
        self._print_value(arg, verb, 0)

    def bad_verb(self, verb: str) -> None:
        self.buf.append("%!" + verb + "(")
        if self.arg is not None:
            self.buf.append(type_name(self.arg) + "=")
            arg = self.arg
            self._print_value(arg, "v", 0)
            self.arg = arg
        else:
            self.buf.append("<nil>")
        self.buf.append(")")

    def _print_value(self, value: Any, verb: str, depth: int) -> None:
        if depth > 0:
            self.arg = value
        if isinstance(value, bool):
            if verb in "tv":
                self.pad("true" if value else "false")
            else:
                self.bad_verb(verb)
        elif isinstance(value, int):
            self._fmt_integer(value, not isinstance(value, GoByte), verb)
        elif isinstance(value, float):
            self._fmt_float(value, verb)
        elif isinstance(value, complex):
            self._fmt_complex(value, verb)
        elif isinstance(value, str):
            self._fmt_string(value, verb)
        elif isinstance(value, dict):
            self._fmt_map(value, verb, depth)
        elif isinstance(value, list | tuple):
            self._fmt_slice(value, verb, depth)
        elif isinstance(value, GoFunc) or callable(value):
            if verb == "v":
                self.pad("0x0")  # Go prints the function's address here
            else:
                self.bad_verb(verb)
        else:
            self.pad(str(value))

    def _fmt_map(self, value: dict[Any, Any], verb: str, depth: int) -> None:
        if self.sharp_v:
            self.buf.append(type_name(value) + "{")
        else:
            self.buf.append("map[")
        for i, key in enumerate(sorted(value, key=map_key_order)):
            if i:
                self.buf.append(", " if self.sharp_v else " ")
            self._print_value(key, verb, depth + 1)
            self.buf.append(":")
            self._print_elem(value[key], verb, depth + 1)
        self.buf.append("}" if self.sharp_v else "]")

    def _fmt_slice(self, value: list[Any] | tuple[Any, ...], verb: str, depth: int) -> None:
        if self.sharp_v:
            self.buf.append(type_name(value) + "{")
            for i, item in enumerate(value):
                if i:
                    self.buf.append(", ")
                self._print_elem(item, verb, depth + 1)
            self.buf.append("}")
            return
        self.buf.append("[")
        for i, item in enumerate(value):
            if i:
                self.buf.append(" ")
            self._print_elem(item, verb, depth + 1)
        self.buf.append("]")

    def _print_elem(self, item: Any, verb: str, depth: int) -> None:
        """An element of interface type: a nil one prints <nil> whatever the verb."""
        if item is None:
            self.buf.append("interface {}(nil)" if self.sharp_v else "<nil>")
            return
        self._print_value(item, verb, depth)

    # -- scalars -----------------------------------------------------------------------
    def _fmt_integer(self, v: int, signed: bool, verb: str) -> None:
        if verb == "v":
            if self.sharp_v and not signed:
                self._fmt_int(v, 16, signed, "v", _LDIGITS, sharp=True)
            else:
                self._fmt_int(v, 10, signed, verb, _LDIGITS)
        elif verb == "d":
            self._fmt_int(v, 10, signed, verb, _LDIGITS)
        elif verb == "b":
            self._fmt_int(v, 2, signed, verb, _LDIGITS)
        elif verb in "oO":
            self._fmt_int(v, 8, signed, verb, _LDIGITS)
        elif verb == "x":
            self._fmt_int(v, 16, signed, verb, _LDIGITS)
        elif verb == "X":
            self._fmt_int(v, 16, signed, verb, _UDIGITS)
        elif verb == "c":
            self.pad(chr(v) if 0 <= v <= 0x10FFFF and not 0xD800 <= v <= 0xDFFF else "\ufffd")
        elif verb == "q":
            if 0 <= v <= 0x10FFFF:
                self.pad(quote_rune(v, ascii_only=self.plus))
            else:
                self.bad_verb(verb)
        elif verb == "U":
            self._fmt_unicode(v & 0xFFFFFFFFFFFFFFFF)
        else:
            self.bad_verb(verb)

    def _fmt_int(
        self, v: int, base: int, signed: bool, verb: str, digits: str, sharp: bool | None = None
    ) -> None:
        sharp = self.sharp if sharp is None else sharp
        negative = signed and v < 0
        u = -v if negative else v
        prec = 0
        if self.prec_present:
            prec = self.prec
            if prec == 0 and u == 0:
                old = self.zero
                self.zero = False
                self._padding(self.wid)
                self.zero = old
                return
        elif self.zero and not self.minus and self.wid_present:
            prec = self.wid
            if negative or self.plus or self.space:
                prec -= 1
        if base == 10:
            text = str(u)
        elif base == 16:
            text = format(u, "x")
            if digits is _UDIGITS:
                text = text.upper()
        elif base == 8:
            text = format(u, "o")
        else:
            text = format(u, "b")
        if len(text) < prec:
            text = "0" * (prec - len(text)) + text
        if sharp:
            if base == 2:
                text = "0b" + text
            elif base == 8:
                if text[0] != "0":
                    text = "0" + text
            elif base == 16:
                text = "0" + digits[16] + text
        if verb == "O":
            text = "0o" + text
        if negative:
            text = "-" + text
        elif self.plus:
            text = "+" + text
        elif self.space:
            text = " " + text
        old = self.zero
        self.zero = False
        self.pad(text)
        self.zero = old

    def _fmt_unicode(self, u: int) -> None:
        prec = self.prec if self.prec_present and self.prec > 4 else 4
        text = "U+" + format(u, "X").rjust(prec, "0")
        if self.sharp and 0 <= u <= 0x10FFFF and chr(u).isprintable():
            text += f" '{chr(u)}'"
        old = self.zero
        self.zero = False
        self.pad(text)
        self.zero = old

    def _fmt_float(self, v: float, verb: str) -> None:
        if verb == "v":
            self._float(v, "g", -1)
        elif verb in "bgGxX":
            self._float(v, verb, -1)
        elif verb in "fFeE":
            self._float(v, verb, 6)
        else:
            self.bad_verb(verb)

    def _float(self, v: float, verb: str, prec: int) -> None:
        if self.prec_present:
            prec = self.prec
        num = format_float(v, "f" if verb == "F" else verb, prec)
        num = num if num[0] in "+-" else "+" + num
        if self.space and num[0] == "+" and not self.plus:
            num = " " + num[1:]
        if num[1] in "IN":
            old = self.zero
            self.zero = False
            if num[1] == "N" and not self.space and not self.plus:
                num = num[1:]
            self.pad(num)
            self.zero = old
            return
        if self.sharp and verb != "b":
            num = _sharp_float(num, verb, prec)
        if self.plus or num[0] != "+":
            if self.zero and not self.minus and self.wid_present and self.wid > len(num):
                self.buf.append(num[0])
                self._padding(self.wid - len(num))
                self.buf.append(num[1:])
                return
            self.pad(num)
            return
        self.pad(num[1:])

    def _fmt_complex(self, v: complex, verb: str) -> None:
        if verb not in "vbgGxXfFeE":
            self.bad_verb(verb)
            return
        old_plus = self.plus
        self.buf.append("(")
        self._fmt_float(v.real, verb)
        self.plus = True
        self._fmt_float(v.imag, verb)
        self.buf.append("i)")
        self.plus = old_plus

    def _fmt_string(self, v: str, verb: str) -> None:
        if verb == "v":
            if self.sharp_v:
                self._fmt_q(v)
            else:
                self.pad(self._truncate(v))
        elif verb == "s":
            self.pad(self._truncate(v))
        elif verb in "xX":
            self._fmt_sx(v, _LDIGITS if verb == "x" else _UDIGITS)
        elif verb == "q":
            self._fmt_q(v)
        else:
            self.bad_verb(verb)

    def _truncate(self, v: str) -> str:
        if self.prec_present and len(v) > self.prec:
            return v[: self.prec]
        return v

    def _fmt_q(self, v: str) -> None:
        v = self._truncate(v)
        if self.sharp and _can_backquote(v):
            self.pad("`" + v + "`")
        else:
            self.pad(quote(v, ascii_only=self.plus))

    def _fmt_sx(self, v: str, digits: str) -> None:
        data = to_bytes(v)
        length = len(data)
        if self.prec_present and self.prec < length:
            length = self.prec
        if length <= 0:
            if self.wid_present:
                self._padding(self.wid)
            return
        width = 2 * length
        if self.space:
            if self.sharp:
                width *= 2
            width += length - 1
        elif self.sharp:
            width += 2
        out: list[str] = []
        if self.wid_present and self.wid > width and not self.minus:
            self._padding(self.wid - width)
        if self.sharp:
            out.append("0" + digits[16])
        for i, byte in enumerate(data[:length]):
            if self.space and i > 0:
                out.append(" ")
                if self.sharp:
                    out.append("0" + digits[16])
            out.append(digits[byte >> 4] + digits[byte & 0xF])
        self.buf.append("".join(out))
        if self.wid_present and self.wid > width and self.minus:
            self._padding(self.wid - width)


def _sharp_float(num: str, verb: str, prec: int) -> str:
    digits = 0
    if verb in "vgGx":
        digits = 6 if prec == -1 else prec
    tail = ""
    has_point = False
    saw_nonzero = False
    body = num
    i = 1
    while i < len(body):
        c = body[i]
        if c == ".":
            has_point = True
        elif c in "pP" or (c in "eE" and verb not in "xX"):
            tail = body[i:]
            body = body[:i]
            break
        else:
            if c != "0":
                saw_nonzero = True
            if saw_nonzero:
                digits -= 1
        i += 1
    if not has_point:
        if len(body) == 2 and body[1] == "0":
            digits -= 1
        body += "."
    if digits > 0:
        body += "0" * digits
    return body + tail


def map_key_order(key: Any) -> tuple[int, Any]:
    """fmtsort's order for map keys: numbers by value, strings by bytes, mixed by kind."""
    if isinstance(key, bool):
        return (0, key)
    if isinstance(key, int | float):
        return (1, key)
    if isinstance(key, str):
        return (2, to_bytes(key))
    return (3, str(key))


def _parse_arg_number(fmt: str) -> tuple[int, int, bool]:
    """Go's parseArgNumber on ``[n]...``: (index, width consumed, ok)."""
    if len(fmt) < 3:
        return 0, 1, False
    for i in range(1, len(fmt)):
        if fmt[i] == "]":
            width, ok, new_i = _parse_num(fmt, 1, i)
            if not ok or new_i != i:
                return 0, i + 1, False
            return width - 1, i + 1, True
    return 0, 1, False


def _parse_num(fmt: str, start: int, end: int) -> tuple[int, bool, int]:
    if start >= end:
        return 0, False, end
    num = 0
    is_num = False
    i = start
    while i < end and "0" <= fmt[i] <= "9":
        if num > _MAX_WIDTH:
            return 0, False, end
        num = num * 10 + ord(fmt[i]) - 48
        is_num = True
        i += 1
    return num, is_num, i


def _int_from_arg(args: list[Any], arg_num: int) -> tuple[int, bool, int]:
    num, ok = 0, False
    if arg_num < len(args):
        arg = args[arg_num]
        if isinstance(arg, int) and not isinstance(arg, bool):
            num, ok = arg, True
            if not -_MAX_WIDTH <= num <= _MAX_WIDTH:
                num, ok = 0, False
        arg_num += 1
    return num, ok, arg_num
