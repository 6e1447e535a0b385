"""Uploaded CSV files handed to the readers of sortition/algorithms, which take a path, and
their errors told in the page's language (file, line, column, message)."""

import tempfile
from collections.abc import Callable
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gemeinsam.lib.messages import format_message
from gemeinsam.sortition.algorithms.io import SortitionInputError


def read_upload[T](uploaded, suffix: str, read: Callable[[Path], T]) -> tuple[T, bytes]:
    """Run a reader that takes a path on an uploaded file; errors name the uploaded file.
    Returns what the reader read and the file's bytes."""
    name = Path(getattr(uploaded, "name", "") or f"upload{suffix}").name or f"upload{suffix}"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        with path.open("wb") as handle:
            for chunk in uploaded.chunks() if hasattr(uploaded, "chunks") else [uploaded.read()]:
                handle.write(chunk)
        try:
            return read(path), path.read_bytes()
        except UnicodeDecodeError:
            raise ValidationError(
                _("%(file)s: the file is not UTF-8 text (save it as CSV UTF-8).") % {"file": name}
            ) from None
        except SortitionInputError as error:
            raise ValidationError(describe(error)) from None


def describe(error: SortitionInputError) -> str:
    """The error of an input file in the active language: file, line, column and message
    (the English `str(error)` is what the command line prints)."""
    where = [error.path.name]
    if error.line is not None:
        where.append(_("line %(line)s") % {"line": error.line})
    if error.column is not None:
        where.append(_("column '%(column)s'") % {"column": error.column})
    return f"{', '.join(where)}: {format_message(_(error.template), error.params)}"
