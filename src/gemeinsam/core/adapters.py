"""django-allauth adapter: new accounts become participants; mail leaves through the worker."""

from types import SimpleNamespace
from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.db import transaction
from django.utils import translation

from gemeinsam.core.roles import Role, assign_role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.language = translation.get_language() or user.language
        if commit:
            user.save()
            assign_role(user, Role.PARTICIPANT)
        return user

    def send_mail(self, template_prefix, email, context):
        from gemeinsam.core.models import User
        from gemeinsam.core.tasks import send_email

        # Render in the recipient's language when we know it, else in the page's.
        recipient = User.objects.filter(email__iexact=email).first()
        language = recipient.language if recipient else translation.get_language()
        # What allauth's own send_mail adds: its mails greet "from {{ current_site.name }}"
        # and name the address they are about ({{ email }}).
        request = allauth_context.request
        site = SimpleNamespace(
            name=settings.SITE_NAME,
            domain=request.get_host() if request else urlsplit(settings.SITE_URL).netloc,
        )
        context = {"request": request, "email": email, "current_site": site, **context}
        with translation.override(language):
            message = self.render_mail(template_prefix, email, context)
        html = next(
            (body for body, kind in getattr(message, "alternatives", []) if kind == "text/html"), ""
        )
        transaction.on_commit(
            lambda: send_email.enqueue(
                subject=message.subject,
                body=message.body,
                to=list(message.to),
                from_email=message.from_email,
                html=html,
            )
        )
