"""``--help`` of every command, as a pipe shows it (80 columns): sentences are reflowed, never broken
where the source had a line break (issue 13, 22)."""

from __future__ import annotations

import itertools
import re

import pytest
import typer

from saas_sim.cli import app

WIDTH = 80


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _commands(sub, (*path, name))


COMMANDS = [path for path, _ in _commands()]


def test_every_help_text_is_one_line_a_paragraph():
    """typer keeps a docstring's line breaks in the command list: each paragraph is one line in the source."""
    for path, command in _commands():
        texts = {"help": command.help or "", "short_help": command.short_help or ""}
        texts.update({param.name: getattr(param, "help", None) or "" for param in command.params})
        for name, text in texts.items():
            for paragraph in text.strip().split("\n\n"):
                assert "\n" not in paragraph.strip(), (" ".join(path), name, paragraph)


def odd_breaks(text: str, width: int = WIDTH) -> list[tuple[str, str]]:
    """Pairs of lines where a line ended although the next line's first word fitted on it.

    Inside a panel (``│ … │``) a continuation starts indented under the text it continues; typer's
    own notes (``[required]``, ``[default: …]``) go on a line of their own and are not counted.
    """
    found = []
    lines = text.splitlines()
    for first, second in itertools.pairwise(lines):
        boxed = first.startswith("│") and first.endswith("│") and second.startswith("│")
        inner_first = first[1:-1] if boxed else first
        inner_second = second[1:-1] if boxed else second
        content = inner_first.rstrip()
        words = inner_second.split()
        if not content.strip() or not words or words[0].startswith("[") or inner_second.startswith("─"):
            continue
        indent = len(inner_second) - len(inner_second.lstrip())
        text_start = len(content) - len(content.lstrip())
        if boxed:  # a continuation sits under the help column, right of the option's name; a new row does not
            columns = [m.start() for m in re.finditer(r"(?<=\s{2})\S", content)]
            if indent <= 1 or (indent != text_start and indent not in columns):
                continue
        elif indent != text_start:
            continue
        room = (len(inner_first) if boxed else width) - len(content) - 1  # the panel's right padding
        if len(words[0]) + 1 <= room:
            found.append((first, second))
    return found


def test_the_check_finds_a_break_inside_a_sentence():
    broken = (
        "│ sensitivity  Swing every numeric input down and up, one at a time with the   │\n"
        "│              same random numbers, and rank the inputs                        │\n"
        "│              by their effect on a metric: a tornado chart.                   │\n"
    )
    assert len(odd_breaks(broken)) == 1
    whole = (
        "│ sensitivity  Swing every numeric input down and up, one at a time with the   │\n"
        "│              same random numbers, and rank the inputs by their effect on a   │\n"
        "│              metric: a tornado chart.                                        │\n"
    )
    assert odd_breaks(whole) == []


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "saas-sim")
def test_help_reads_in_whole_sentences_on_a_pipe(invoke, monkeypatch, path):
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("TERMINAL_WIDTH", str(WIDTH))
    result = invoke(*path, "--help")
    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= WIDTH
    assert odd_breaks(result.stdout) == [], result.stdout


@pytest.mark.parametrize("command", ["fit", "metrics"])
def test_an_example_value_stays_on_one_line(invoke, monkeypatch, command):
    """``--columns`` showed ``customer=Customer⏎ID,month=Period,mrr=MRR`` on a pipe: a value to type is one piece."""
    monkeypatch.delenv("COLUMNS", raising=False)
    monkeypatch.setenv("TERMINAL_WIDTH", str(WIDTH))
    command_object = dict(_commands())[(command,)]
    columns = next(param for param in command_object.params if param.name == "columns")
    example = re.search(r"e\.g\. (.+?) \(", columns.help).group(1)
    result = invoke(command, "--help")
    assert any(example in line for line in result.stdout.splitlines()), (example, result.stdout)
