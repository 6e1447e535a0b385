"""Documents of the knowledge store (Wissensspeicher), the tags that group them, their
attached files and their links to measures of the strategy."""

import uuid
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.db import models
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext_lazy as _

# Extension → the content type a download is sent with. Nothing else can be attached, so no
# upload comes back as a page or a script (downloads also carry nosniff and a sandbox CSP).
ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".ods": "application/vnd.oasis.opendocument.spreadsheet",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}
MAX_ATTACHMENT_SIZE = 20 * 1024 * 1024


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


def attachment_extension(name: str) -> str:
    return PurePath(name or "").suffix.lower()


def validate_attachment(file) -> None:
    """Only the listed file types, and at most MAX_ATTACHMENT_SIZE bytes."""
    extension = attachment_extension(file.name)
    if extension not in ATTACHMENT_TYPES:
        allowed = ", ".join(e.lstrip(".") for e in ATTACHMENT_TYPES)
        raise ValidationError(
            _("Files of this type cannot be attached. Allowed types: %(allowed)s."),
            code="file_type",
            params={"allowed": allowed},
        )
    if file.size > MAX_ATTACHMENT_SIZE:
        raise ValidationError(
            _("The file is %(size)s; at most %(limit)s can be attached."),
            code="file_size",
            params={
                "size": filesizeformat(file.size),
                "limit": filesizeformat(MAX_ATTACHMENT_SIZE),
            },
        )


def attachment_path(instance: "Attachment", filename: str) -> str:
    # A random folder per file: addresses cannot be guessed, and the file keeps its own
    # name for the download.
    return f"knowledge/{uuid.uuid4().hex}/{get_valid_filename(PurePath(filename).name)}"


class Attachment(models.Model):
    """A file attached to a document (a report, a template, a table), downloaded through
    knowledge.views.public.attachment, never served from /media/."""

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    title = models.CharField(
        _("title"), max_length=200, blank=True, help_text=_("Empty: the file name.")
    )
    file = models.FileField(
        _("file"),
        upload_to=attachment_path,
        max_length=300,
        validators=[validate_attachment],
        help_text=_(
            "PDF, Word, Excel, OpenDocument, CSV, text or picture (PNG, JPG), at most 20 MB."
        ),
    )
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0, editable=False)
    content_type = models.CharField(_("content type"), max_length=100, editable=False)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title or self.filename

    def save(self, *args, **kwargs):
        # The type comes from the (validated) extension, never from what the browser claims.
        self.content_type = ATTACHMENT_TYPES.get(
            attachment_extension(self.file.name), "application/octet-stream"
        )
        if self.file and not self.file._committed:  # a new upload, not yet in storage
            self.size = self.file.size
        if not self.title:
            self.title = PurePath(self.file.name or "").stem[:200]
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("knowledge:attachment", args=[self.document.slug, self.pk])

    @property
    def filename(self) -> str:
        return PurePath(self.file.name or "").name

    @property
    def extension(self) -> str:
        return attachment_extension(self.file.name).lstrip(".")


class DocumentMeasure(models.Model):
    """A document that belongs to a measure of the strategy. The link holds the measure's
    `key`, which stays the same in every version, so it survives new versions."""

    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.CASCADE,
        related_name="measure_links",
    )
    strategy = models.ForeignKey(
        "strategy.Strategy",
        verbose_name=_("strategy"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # Indexed: a measure's page asks for its documents (selectors.documents_for_measure).
    measure_key = models.UUIDField(_("measure"), db_index=True)

    class Meta:
        ordering = ["document", "pk"]
        verbose_name = _("link to a measure")
        verbose_name_plural = _("links to measures")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "measure_key"], name="knowledge_document_measure_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.measure_key}"


def measure_url(strategy_slug: str, measure_key: uuid.UUID | str) -> str | None:
    """The public page of a measure, or None while the strategy app has no such page."""
    try:
        return reverse("strategy:measure", args=[strategy_slug, str(measure_key)])
    except NoReverseMatch:
        return None
