"""Who may see an uploaded picture: the same people who may see its process and idea."""

from django.http import HttpRequest

from gemeinsam.core.predicates import can
from gemeinsam.participation.models import IdeaImage, Process


def may_see_idea_picture(request: HttpRequest, path: str) -> bool:
    picture = IdeaImage.objects.select_related("idea__process").filter(image=path).first()
    if picture is None:
        return False
    idea = picture.idea
    if not can(request.user, "participation.view_process", idea.process):
        return False
    return not idea.is_hidden or can(request.user, "participation.moderate_process", idea.process)


def may_see_process_image(request: HttpRequest, path: str) -> bool:
    process = Process.objects.filter(image=path).first()
    return process is not None and can(request.user, "participation.view_process", process)
