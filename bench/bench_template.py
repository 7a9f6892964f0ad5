"""Benchmark: rendering a 200-line function.json holding 100 template actions.

The file is what a real definition looks like, only bigger: about 90 environment variables, each
value one action (``env`` with defaults, ``must_env``, pipelines into ``json_escape``,
``printf``, ``if``/``else``, a ``range``, variables), the rest plain JSON. lambherd's path is the
one ``load_function`` takes: the whole text through Go's text/template (lexer, parser,
executor) and then ``json.loads``; the template is parsed on every render, as every command
loads the file once.

Peers, measured in the same run on equivalent input:

* Jinja2 (if installed): the same actions written in Jinja2, compiled and rendered each time
  (a definition is read once per command, so there is no warm template cache to reuse);
* ``string.Template`` + ``json.loads``: plain ``$NAME`` substitution, no logic at all: the
  floor any template step costs.

Target: lambherd's median under 20 ms.

    python3 bench/bench_template.py [--runs 200]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import string
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

LINES = 200
SINGLE = 24  # variables whose value is one action (env with default, json_escape, printf)
CONDITIONAL = 12  # variables whose value is $v := ..., if $v, $v, else, end (5 actions)
VARIABLES = SINGLE + CONDITIONAL + 1  # + LAST (a range: 3 actions)


def lambherd_text() -> str:
    head = [
        "{",
        '  "FunctionName": "{{ must_env `BENCH_NAME` }}-{{ env `BENCH_STAGE` `dev` }}",',
        '  "Description": "{{ printf "%s (%d vars)" (env `BENCH_NAME`) 37 }}",',
        '  "Runtime": "python3.12",',
        '  "Handler": "app.handler",',
        '  "Role": "arn:aws:iam::{{ env `BENCH_ACCOUNT` `123456789012` }}:role/app",',
        '  "MemorySize": {{ if eq (env `BENCH_STAGE`) "prod" }}1024{{ else }}256{{ end }},',
        '  "Timeout": {{ env `BENCH_TIMEOUT` `30` }},',
        '  "Architectures": ["{{ env `BENCH_ARCH` `arm64` }}"],',
        '  "TracingConfig": {"Mode": "{{ env `BENCH_TRACING` `PassThrough` }}"},',
        '  "EphemeralStorage": {"Size": {{ env `BENCH_TMP` `512` }}},',
        '  "LoggingConfig": {"LogFormat": "{{ env `BENCH_LOGFMT` `JSON` }}",',
        '                    "LogGroup": "/aws/lambda/{{ must_env `BENCH_NAME` }}"},',
        '  "Environment": {',
        '    "Variables": {',
    ]
    variables = []
    for i in range(SINGLE):
        value = [
            f"{{{{ env `BENCH_VAR_{i}` `default-{i}` }}}}",
            "{{ env `BENCH_JSON` | json_escape }}",
            f'{{{{ printf "%s-%03d" (env `BENCH_NAME`) {i} }}}}',
        ][i % 3]
        variables.append(f'      "VAR_{i}": "{value}",')
    for i in range(CONDITIONAL):
        value = (
            f"{{{{ $v := env `BENCH_OPT_{i}` }}}}"
            "{{ if $v }}{{ $v }}{{ else }}none{{ end }}"
        )
        variables.append(f'      "OPT_{i}": "{value}",')
    variables.append('      "LAST": "{{ range $i := 3 }}{{ $i }}{{ end }}"')
    tail = ["    }", "  },", '  "Tags": {', "  }", "}"]
    free = LINES - len(head) - len(variables) - len(tail)
    tags = [f'    "tag{i}": "static-{i}",' for i in range(free)]
    tags[-1] = tags[-1].rstrip(",")
    return "\n".join([*head, *variables, *tail[:3], *tags, *tail[3:]]) + "\n"


def jinja_text() -> str:
    text = lambherd_text()
    replacements = [
        ("{{ must_env `BENCH_NAME` }}", "{{ must_env('BENCH_NAME') }}"),
        (
            '{{ printf "%s (%d vars)" (env `BENCH_NAME`) 37 }}',
            "{{ '%s (%d vars)' % (env('BENCH_NAME'), 37) }}",
        ),
        (
            '{{ if eq (env `BENCH_STAGE`) "prod" }}1024{{ else }}256{{ end }}',
            "{% if env('BENCH_STAGE') == 'prod' %}1024{% else %}256{% endif %}",
        ),
        ("{{ env `BENCH_JSON` | json_escape }}", "{{ env('BENCH_JSON') | json_escape }}"),
        ("{{ range $i := 3 }}{{ $i }}{{ end }}", "{% for i in range(3) %}{{ i }}{% endfor %}"),
    ]
    for old, new in replacements:
        text = text.replace(old, new)
    import re

    text = re.sub(r"\{\{ env `(\w+)` `([^`]*)` \}\}", r"{{ env('\1', '\2') }}", text)
    text = re.sub(r"\{\{ env `(\w+)` \}\}", r"{{ env('\1') }}", text)
    text = re.sub(
        r'\{\{ printf "%s-%03d" \(env `BENCH_NAME`\) (\d+) \}\}',
        r"{{ '%s-%03d' % (env('BENCH_NAME'), \1) }}",
        text,
    )
    text = re.sub(
        r"\{\{ \$v := env `(\w+)` \}\}\{\{ if \$v \}\}\{\{ \$v \}\}\{\{ else \}\}none\{\{ end \}\}",
        r"{% set v = env('\1') %}{% if v %}{{ v }}{% else %}none{% endif %}",
        text,
    )
    return text


def plain_text() -> str:
    text = lambherd_text()
    import re

    # each run of actions becomes one substitution, "1": valid in strings and as a number
    return re.sub(r"\{\{.*?\}\}(?:[^\"{]*?\{\{.*?\}\})*", "${V}", text)


def median_ms(func: Callable[[], object], runs: int) -> float:
    func()  # warm-up (imports, caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


COLD = """
import json, sys, time
start = time.perf_counter()
from lambherd.definition.template import render_template
from lambherd.definition.template_functions import DefinitionFunctions
functions = DefinitionFunctions(None, None, aws=False).template_functions()
json.loads(render_template(sys.stdin.read(), functions, "function.json"))
print((time.perf_counter() - start) * 1000)
"""


def cold_ms(text: str) -> float:
    """Median of 5 fresh processes: importing the template modules and one render."""
    import subprocess

    src = str(Path(__file__).resolve().parent.parent / "src")
    env = {**os.environ, "PYTHONPATH": src}
    runs = [
        float(
            subprocess.run(
                [sys.executable, "-c", COLD],
                input=text,
                capture_output=True,
                text=True,
                env=env,
                check=True,
            ).stdout
        )
        for _ in range(5)
    ]
    return statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()

    os.environ.update(
        BENCH_NAME="orders", BENCH_STAGE="dev", BENCH_JSON='{"a": "b<c>"}', BENCH_VAR_3="set"
    )
    from lambherd.definition.template import render_template
    from lambherd.definition.template_functions import DefinitionFunctions
    from lambherd.definition.template_functions import env as go_env

    text = lambherd_text()
    actions = text.count("{{")
    functions = DefinitionFunctions(None, None, aws=False).template_functions()
    doc = json.loads(render_template(text, functions, "function.json"))
    assert len(doc["Environment"]["Variables"]) == VARIABLES, doc
    print(f"input: {len(text.splitlines())} lines, {actions} actions, {len(text)} bytes")

    results = {
        "lambherd (Go text/template + json.loads)": median_ms(
            lambda: json.loads(render_template(text, functions, "function.json")), args.runs
        )
    }
    try:
        import jinja2
    except ImportError:
        jinja2 = None
    if jinja2 is not None:
        env = jinja2.Environment(autoescape=False)
        env.filters["json_escape"] = lambda s: json.dumps(s)[1:-1]
        env.globals.update(env=go_env, must_env=lambda k: os.environ[k])
        jtext = jinja_text()
        jdoc = json.loads(env.from_string(jtext).render())
        assert jdoc["Environment"]["Variables"] == doc["Environment"]["Variables"], "peer differs"
        results[f"Jinja2 {jinja2.__version__} (compile + render + json.loads)"] = median_ms(
            lambda: json.loads(env.from_string(jtext).render()), args.runs
        )
    ptext = plain_text()
    mapping = {"V": "1"}
    results["string.Template + json.loads (no logic)"] = median_ms(
        lambda: json.loads(string.Template(ptext).substitute(mapping)), args.runs
    )
    base = results["lambherd (Go text/template + json.loads)"]
    print(f"median of {args.runs} renders (after one warm-up):")
    for name, ms in results.items():
        print(f"  {name:55s} {ms:8.3f} ms   lambherd/this = {base / ms:6.2f}")
    print(f"  cold, in a fresh process (imports + first render): {cold_ms(text):.1f} ms")
    verdict = "ok" if base < 20 else "OVER"
    print(f"target: lambherd under 20 ms: {verdict} ({base:.2f} ms)")
    return 0 if base < 20 else 1


if __name__ == "__main__":
    raise SystemExit(main())
