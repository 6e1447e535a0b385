"""Documents of the knowledge store (Wissensspeicher) and the tags that group them."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """A document of the strategy or a method of the implementation handbook.

    Write through `knowledge.services` (save_document, delete_document): they keep the
    SQLite full-text index in step; PostgreSQL searches the table itself.
    """

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("short name"), max_length=200, unique=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown"))
    tags = models.ManyToManyField(Tag, blank=True, related_name="documents", verbose_name=_("tags"))
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Published documents are public and found.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("knowledge:document", args=[self.slug])
