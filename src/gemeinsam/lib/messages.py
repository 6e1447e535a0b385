"""Message templates of the pure packages (sortition/algorithms, strategy/indicators),
marked for translation without importing Django.

A message is an English template with %(name)s placeholders and its values kept apart: the
command line prints the English, the platform formats the translated template.
"""

from collections.abc import Mapping


def gettext_noop(template: str) -> str:
    """Marks `template` for the catalogue and returns it unchanged; Django's makemessages
    runs xgettext with --keyword=gettext_noop, so no import of Django is needed."""
    return template


def format_message(template: str, params: Mapping[str, object]) -> str:
    """`template` filled with `params`; a template without values is taken literally."""
    return template % params if params else template
