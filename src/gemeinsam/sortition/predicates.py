"""Who may do what with a citizens' panel (django-rules): city staff run the lottery; the
transparency page is public when the panel says so."""

import rules

from gemeinsam.core.predicates import is_city_staff


@rules.predicate
def is_public(user, panel) -> bool:
    return panel is not None and panel.public


rules.add_perm("sortition.manage_panel", is_city_staff)
rules.add_perm("sortition.view_transparency", is_public | is_city_staff)
