"""The command boundary: where domain errors become messages on stderr and exit codes.

Exit codes (SPEC 4): 0 success; 2 invalid input (a bad file, option or
scenario); 1 any other failure.  One line per problem, no traceback unless
``--debug``.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

from saas_sim.errors import InputError, Problem, SaasSimError

PROGRAM = "saas-sim"
EXIT_FAILURE = 1
EXIT_INVALID_INPUT = 2


def option_problem(option: str, message: str) -> Problem:
    """``saas-sim --paths: must be ...``: a bad command-line value, as an input problem."""
    return Problem(PROGRAM, None, option, message)


@contextmanager
def option_errors(option: str) -> Iterator[None]:
    """Report the bare messages of an :class:`InputError` raised inside as problems of ``option``
    (``saas-sim --metric: ...``)."""
    try:
        yield
    except InputError as error:
        raise InputError([p if isinstance(p, Problem) else option_problem(option, p) for p in error.problems]) from None


def invalid_input(message: str) -> InputError:
    """``saas-sim: no such scenario file: x.yaml``."""
    return InputError([message])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def report(error: Exception) -> int:
    """Print ``error`` to stderr, one line per problem, and return its exit code."""
    if isinstance(error, InputError):
        # A Problem says where (file:line field); a bare message is the program's own.
        lines = [str(p) if isinstance(p, Problem) else f"{PROGRAM}: {p}" for p in error.problems]
        code = EXIT_INVALID_INPUT
    elif isinstance(error, FileNotFoundError):
        lines, code = [f"{PROGRAM}: no such file or directory: {error.filename}"], EXIT_INVALID_INPUT
    elif isinstance(error, (IsADirectoryError, NotADirectoryError, PermissionError)):
        lines, code = [f"{PROGRAM}: {(error.strerror or 'cannot open').lower()}: {error.filename}"], EXIT_INVALID_INPUT
    elif isinstance(error, SaasSimError):
        lines, code = [f"{PROGRAM}: error: {_one_line(str(error))}"], EXIT_FAILURE
    else:
        detail = _one_line(str(error))
        lines = [
            f"{PROGRAM}: error: {type(error).__name__}{': ' + detail if detail else ''}"
            " (run with --debug for the traceback)"
        ]
        code = EXIT_FAILURE
    for line in lines:
        print(line, file=sys.stderr)
    return code


class CommandBoundary(TyperGroup):
    """The top-level group: runs a command and turns what it raises into an exit code."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # typer hands its own Context (a click one)
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort, typer.TyperException):
            raise  # usage errors (exit 2) and explicit exits: typer knows these
        except BrokenPipeError:  # the reader went away (`| head`): not a failure of ours
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - the interpreter flushes stdout at exit
            raise typer.Exit(0) from None
        except Exception as error:
            if ctx.params.get("debug"):
                traceback.print_exception(error)
            raise typer.Exit(report(error)) from None
