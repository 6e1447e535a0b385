"""Links that other apps add to a process page, e.g. budgeting's proposals and ballot.

Participation does not know the apps built on it; they register here in their ready().
A link must depend on the process only, not on the person (the page is cached).
"""

from collections.abc import Callable

from django.dispatch import Signal

# Sent with `process` after a process's phases were replaced and the change committed,
# e.g. so that budgeting queues its count for the new end of voting.
phases_changed = Signal()

ProcessLink = Callable[[object], tuple[str, str] | None]  # process -> (label, url) or None
_links: list[ProcessLink] = []


def register_process_link(link: ProcessLink) -> None:
    if link not in _links:
        _links.append(link)


def process_links(process) -> list[tuple[str, str]]:
    return [found for link in _links if (found := link(process)) is not None]
