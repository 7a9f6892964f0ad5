"""go-envparse's test tables (hashicorp/go-envparse envparse_test.go at d9cfd74, the version
lambroll's go.mod pins), as data for the envfile tests (no lambherd import here)."""

from __future__ import annotations

PARSE_OK_INPUT = b"""# Start of file

FIRST=key and value pair
_=_   # ok
_2=_2 # ok
FIRST="overwrite # original"  #...
"""
PARSE_OK_RESULT = {"FIRST": "overwrite # original", "_": "_", "_2": "_2"}

# source: go-envparse envparse_test.go, TestParse_Err: (name, input, line, error)
PARSE_ERR = [
    ("MissingEqual", b"FOO=bar\nx\nXYZ=1\n", 2, "missing ="),
    ("NewlineInDoubleQuote", b'A=1\nB="foo\nbar"\nC=3\n', 2, 'unmatched "'),
    ("NewLineInSingleQuote", b"A=2\nB='foo\nbar'\nC=3", 2, "unmatched '"),
    (
        "CheckLineCount",
        b'\n\n\n\n\nA=1 # ok\n# ok\n\n\nU="\\\xff"',
        10,
        "multibyte characters disallowed in escape sequences",
    ),
]

# source: go-envparse envparse_test.go, TestParseLine_OK: (name, line, key, value)
PARSE_LINE_OK = [
    ("Empty", "", "", ""),
    ("Emptyish", " ", "", ""),
    ("OnlyComment", "# ...", "", ""),
    ("OnlyCommentish", " # ...", "", ""),
    ("EmptyValue", "FoO=", "FoO", ""),
    ("EmptyValueComment", "F=# ...", "F", ""),
    ("EmptyValueSpace", "F_O= ", "F_O", ""),
    ("EmptyValueSpaceComment", "F= # ...", "F", ""),
    ("Simple", "FOO=bar", "FOO", "bar"),
    ("Export", "export FOO=bar", "FOO", "bar"),
    ("Spaces", " FOO = bar baz ", "FOO", "bar baz"),
    ("Tabs", "\tFOO\t= \tbar \t", "FOO", "bar"),
    ("ExportSpaces", "export FOO = bar", "FOO", "bar"),
    ("ExportAsKey", "export = bar", "export", "bar"),
    ("Nums", "A1B2C3=a1b2c3", "A1B2C3", "a1b2c3"),
    ("Comments", "FOO=bar # ok", "FOO", "bar"),
    ("EmptyComments1", "FOO=#bar#", "FOO", ""),
    ("EmptyComments2", "FOO= # bar ", "FOO", ""),
    ("DoubleQuotes", 'FOO="bar#"', "FOO", "bar#"),
    ("DoubleQuoteNewline", 'FOO="bar\\n"', "FOO", "bar\n"),
    ("DoubleQuoteNewlineComment", 'FOO="bar\\n" # comment', "FOO", "bar\n"),
    ("DoubleQuoteSpaces", 'FOO = " bar\\t" ', "FOO", " bar\t"),
    ("SingleQuotes", "FOO='bar#'", "FOO", "bar#"),
    ("SingleQuotesNewline", "FOO='\\n' # empty", "FOO", "\\n"),
    ("SingleQuotesEmpty", "FOO='' # empty", "FOO", ""),
    ("NormalSingleMix", "FOO=normal'single ' ", "FOO", "normalsingle "),
    ("NormalDoubleMix", 'FOO= "double\\\\" normal # "EOL"', "FOO", "double\\ normal"),
    (
        "AllModes",
        'export FOO =  \'single\\n\' \\\\normal\\t "double\\"\\n " # comment',
        "FOO",
        'single\\n \\\\normal\\t double"\n ',
    ),
    ("UnicodeLiteral", "U1=\U0001f525", "U1", "\U0001f525"),
    ("UnicodeLiteralQuoted", "U2= ' \U0001f525 ' ", "U2", " \U0001f525 "),
    ("EscapedUnicode1byte", 'U3="\\u2318"', "U3", "\u2318"),
    ("EscapedUnicode2byte", 'U3="\\uD83D\\uDE01"', "U3", "\U0001f601"),
    ("EscapedUnicodeCombined", 'U4="\\u2318\\uD83D\\uDE01"', "U4", "\u2318\U0001f601"),
    (
        "README.mdEscapedUnicode",
        'FOO="The template value\\nmay have included\\nsome newlines!\\n\\ud83d\\udd25"',
        "FOO",
        "The template value\nmay have included\nsome newlines!\n🔥",
    ),
    ("UnderscoreKey", "_=x' ' ", "_", "x "),
    ("DottedKey", "FOO.BAR=x", "FOO.BAR", "x"),
    ("FwdSlashedKey", "FOO/BAR=x", "FOO/BAR", "x"),
    (
        "README.md",
        'SOME_KEY = normal unquoted \\text \'plus single quoted\\\' "\\"double quoted " # EOL',
        "SOME_KEY",
        'normal unquoted \\text plus single quoted\\ "double quoted ',
    ),
    ("WindowsNewline", 'w="\\r\\n"', "w", "\r\n"),
]


# source: go-envparse envparse_test.go, TestParseLine_Err: (name, line, exact error or fragment)
PARSE_LINE_ERR = [
    ("MissingEqual", "foo bar", "missing ="),
    ("EmptyKey", "=bar", "empty key"),
    ("EqualOnly", "=", "empty key"),
    ("InvalidKey", "1abc=x", "key"),
    ("InvalidKey2", "@abc=x", "key"),
    ("InvalidKey3", "a b c=x", "key"),
    ("InvalidKey4", "a\nb=x", "key"),
    ("InvalidValue", "FOO=\x00", "value"),
    ("OpenDoubleQuote", 'FOO=" bar', 'unmatched "'),
    ("OpenSingleQuote", "FOO=' bar", "unmatched '"),
    ("UnmatchedMix", "FOO=ok '\"ok\"' \\\"not ok ''", 'unmatched "'),
    ("UnmatchedMix2", "FOO=ok '\"ok\"' \\\"not ok '\"'", "unmatched '"),
    ("InvalidEscape", 'FOO="\\a"', '"a"'),
    ("IncompleteEscape", 'FOO="\\', "incomplete escape sequence"),
    ("IncompleteHex", 'FOO="\\u12"', "incomplete hex sequence"),
    ("InvalidHex", 'FOO="\\uabcZ"', '"Z"'),
    ("IncompleteSurrogatePair1", 'FOO="abc \\uD83D"', "incomplete Unicode surrogate pair"),
    ("IncompleteSurrogatePair2", 'FOO="abc \\uD83D \\uDE01"', "incomplete Unicode surrogate pair"),
    ("IncompleteSurrogatePair3", 'FOO="abc \\uD83DDE01"', "incomplete Unicode surrogate pair"),
    ("IncompleteSurrogatePair4", 'FOO="abc \\uD83D\\uDE0"', '"\\""'),
]
