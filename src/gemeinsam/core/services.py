"""Core actions: importing districts, profiles, language, data download and account deletion."""

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from gemeinsam.core import hooks
from gemeinsam.core.database import checkpoint_after_erasure
from gemeinsam.core.models import District
from gemeinsam.lib.geo import GeometryError, parse_area

NAME_PROPERTIES = ("Gemeinde_name", "BEZ_NAME", "bezirk", "Bezirk", "name", "NAME", "Name")
CODE_PROPERTIES = ("Gemeinde_schluessel", "BEZ", "BEZ_ID", "code", "key", "cartodb_id", "id")


class DataImportError(Exception):
    """Bad input to an importer, located by file and line or feature."""

    def __init__(self, path: Path | str, where: str, message: str):
        self.path, self.where, self.message = str(path), where, message
        super().__init__(f"{path}: {where}: {message}" if where else f"{path}: {message}")


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    repaired: int

    @property
    def total(self) -> int:
        return self.created + self.updated


def _pick_property(properties: list[dict], candidates: tuple[str, ...]) -> str | None:
    for name in candidates:
        if all(name in props and str(props[name]).strip() for props in properties):
            return name
    return None


def _normalise_code(value: Any) -> str:
    text = str(value).strip()
    # Berlin's keys are 001..012 in ALKIS and 01..12 in LOR; store one form.
    return text.zfill(3) if text.isdigit() else text


def read_geojson(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise DataImportError(path, "", "file not found") from exc
    except UnicodeDecodeError as exc:
        raise DataImportError(path, f"byte {exc.start}", "not UTF-8 text") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataImportError(path, f"line {exc.lineno}, column {exc.colno}", exc.msg) from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DataImportError(path, "", "expected a GeoJSON FeatureCollection")
    if not isinstance(data.get("features"), list) or not data["features"]:
        raise DataImportError(path, "", "the FeatureCollection has no features")
    return data


def import_districts(
    path: Path | str, *, name_property: str | None = None, code_property: str | None = None
) -> ImportResult:
    """Create or update districts from a GeoJSON file, keyed by their official code.

    All or nothing: any bad feature aborts the import with its file and feature number.
    """
    path = Path(path)
    features = read_geojson(path)["features"]
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise DataImportError(path, f"feature {number}", "feature without properties")
    properties = [feature["properties"] for feature in features]
    name_key = name_property or _pick_property(properties, NAME_PROPERTIES)
    code_key = code_property or _pick_property(properties, CODE_PROPERTIES)
    for label, key, option in (
        ("name", name_key, "--name-property"),
        ("code", code_key, "--code-property"),
    ):
        if key is None:
            raise DataImportError(
                path,
                "",
                f"no {label} property found in every feature; name it with {option} "
                f"(properties of feature 1: {', '.join(sorted(properties[0])) or 'none'})",
            )

    rows, repaired = [], 0
    for number, (feature, props) in enumerate(zip(features, properties, strict=True), start=1):
        where = f"feature {number}"
        for key in (name_key, code_key):
            if key not in props or not str(props[key]).strip():
                raise DataImportError(path, where, f"property {key!r} is missing or empty")
        try:
            area, was_repaired = parse_area(feature.get("geometry"))
        except GeometryError as exc:
            raise DataImportError(path, where, str(exc)) from exc
        geometry = feature["geometry"]
        if was_repaired:
            repaired += 1
            geometry = json.loads(shapely.to_geojson(area))
        name = str(props[name_key]).strip()
        rows.append((_normalise_code(props[code_key]), name, geometry, where))

    for label, index in (("code", 0), ("name", 1)):
        duplicates = [value for value, n in Counter(row[index] for row in rows).items() if n > 1]
        if duplicates:
            raise DataImportError(path, "", f"duplicate district {label}: {duplicates[0]}")

    created = updated = 0
    try:
        with transaction.atomic():
            for code, name, geometry, where in rows:
                slug = slugify(name)
                if not slug:
                    raise DataImportError(path, where, f"cannot derive a short name from {name!r}")
                # Match by key first, then by name: a file with other keys for the same
                # districts updates them in place, so people's district choices survive.
                district = (
                    District.objects.select_for_update().filter(code=code).first()
                    or District.objects.select_for_update().filter(name=name).first()
                )
                if district is None:
                    district = District(code=code)
                    created += 1
                else:
                    updated += 1
                district.code, district.name, district.slug = code, name, slug
                district.geometry = geometry
                district.save()
    except IntegrityError as exc:
        raise DataImportError(
            path, "", f"the file's names and keys clash with stored districts ({exc})"
        ) from exc
    return ImportResult(created=created, updated=updated, repaired=repaired)


def shipped_districts_file() -> Path:
    """Berlin's 12 Bezirke (ALKIS, dl-de/by-2-0), shipped for the demo; see data/README.md."""
    return Path(__file__).parent / "data" / "bezirksgrenzen_alkis.geojson"


def update_profile(user, **fields: Any):
    allowed = {"display_name", "actor_group", "district", "organisation", "language"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not a profile field: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=sorted(fields))
    return user


def export_user_data(user) -> dict[str, Any]:
    """Everything the platform stores about `user`, as JSON-serialisable data (GDPR Art. 15)."""
    from allauth.account.models import EmailAddress

    data: dict[str, Any] = {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "email": user.email,
            "display_name": user.display_name,
            "actor_group": user.actor_group,
            "district": user.district.name if user.district else None,
            "organisation": user.organisation.name if user.organisation else None,
            "language": user.language,
            "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        },
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("email")
        ],
    }
    for section in hooks.personal_data_sections():
        data[section.key] = section.export(user)
    return data


class LastAdminError(Exception):
    pass


@transaction.atomic
def delete_account(user) -> None:
    """Erase the account (GDPR Art. 17); apps anonymise what must stay for the record."""
    user_model = get_user_model()
    if (
        user.is_superuser
        and not user_model.objects.filter(is_superuser=True, is_active=True)
        .exclude(pk=user.pk)
        .exists()
    ):
        raise LastAdminError("the last administrator cannot delete their account")
    for section in hooks.personal_data_sections():
        if section.erase is not None:
            section.erase(user)
    user.delete()
    checkpoint_after_erasure()
