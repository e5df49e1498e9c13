"""The tag taxonomy (Settings → Tags): categories holding tags; rename, merge, move and
delete update every contact. Tags stay case-insensitive and unique per user."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from pingcrm.contacts.service import refresh_search_text
from pingcrm.errors import Conflict, NotFound, ValidationFailed
from pingcrm.models import Contact, JobRun, Tag, TagCategory
from pingcrm.tags import repository as tag_repository
from pingcrm.tags.service import clean_tag_name, get_or_create_tags, validate_tag_names
from pingcrm.taxonomy import repository
from pingcrm.taxonomy.discovery import tags_for

MAX_CATEGORY_LENGTH = 100


@dataclass(frozen=True)
class TagItem:
    id: int
    name: str
    contacts: int


@dataclass
class CategoryItem:
    id: int | None
    name: str
    tags: list[TagItem] = field(default_factory=list)


def taxonomy(session: Session, user_id: int) -> list[CategoryItem]:
    """Categories in order with their tags; tags without a category come last."""
    groups = {c.id: CategoryItem(c.id, c.name) for c in repository.categories(session, user_id)}
    loose = CategoryItem(None, "Uncategorised")
    for tag, count in repository.tags_with_counts(session, user_id):
        target = groups.get(tag.category_id) if tag.category_id else None
        (target or loose).tags.append(TagItem(tag.id, tag.name, count))
    return [*groups.values(), *([loose] if loose.tags else [])]


def _category_name(raw: str) -> str:
    name = clean_tag_name(raw)
    if not name:
        raise ValidationFailed("Give the category a name.", details={"field": "name"})
    if len(name) > MAX_CATEGORY_LENGTH:
        raise ValidationFailed("The category name is too long.", details={"field": "name"})
    return name


def _category(session: Session, user_id: int, category_id: int | None) -> TagCategory | None:
    if category_id is None:
        return None
    category = repository.get_category(session, user_id, category_id)
    if category is None:
        raise NotFound("This category does not exist.")
    return category


def _tag(session: Session, user_id: int, tag_id: int) -> Tag:
    tag = repository.get_tag(session, user_id, tag_id)
    if tag is None:
        raise NotFound("This tag does not exist.")
    return tag


def add_category(session: Session, user_id: int, name: str) -> TagCategory:
    """A new category (or the existing one of that name)."""
    clean = _category_name(name)
    existing = repository.category_by_name(session, user_id, clean.lower())
    if existing:
        return existing
    category = TagCategory(
        user_id=user_id,
        name=clean,
        normalized_name=clean.lower(),
        position=repository.max_position(session, user_id) + 1,
    )
    session.add(category)
    session.flush()
    return category


def rename_category(session: Session, user_id: int, category_id: int, name: str) -> TagCategory:
    category = _category(session, user_id, category_id)
    assert category is not None
    clean = _category_name(name)
    other = repository.category_by_name(session, user_id, clean.lower())
    if other is not None and other.id != category.id:
        raise Conflict(f"There is already a category “{other.name}”.", details={"field": "name"})
    category.name, category.normalized_name = clean, clean.lower()
    session.flush()
    return category


def delete_category(session: Session, user_id: int, category_id: int) -> None:
    """Delete a category; its tags stay, uncategorised."""
    category = _category(session, user_id, category_id)
    assert category is not None
    repository.uncategorise(session, category.id)
    session.delete(category)
    session.flush()


def add_tag(session: Session, user_id: int, name: str, category_id: int | None) -> Tag:
    """A tag in a category (an existing tag of that name moves there)."""
    category = _category(session, user_id, category_id)
    names = validate_tag_names([name], field="name")
    if not names:
        raise ValidationFailed("Give the tag a name.", details={"field": "name"})
    tag = get_or_create_tags(session, user_id, names)[0]
    tag.category_id = category.id if category else None
    session.flush()
    return tag


def move_tag(session: Session, user_id: int, tag_id: int, category_id: int | None) -> Tag:
    tag = _tag(session, user_id, tag_id)
    category = _category(session, user_id, category_id)
    tag.category_id = category.id if category else None
    session.flush()
    return tag


def rename_tag(session: Session, user_id: int, tag_id: int, name: str) -> Tag:
    """Rename a tag everywhere; a name another tag already has is refused (merge instead)."""
    tag = _tag(session, user_id, tag_id)
    names = validate_tag_names([name], field="name")
    if not names:
        raise ValidationFailed("Give the tag a name.", details={"field": "name"})
    clean = names[0]
    other = tag_repository.tags_by_normalized(session, user_id, [clean.lower()]).get(clean.lower())
    if other is not None and other.id != tag.id:
        raise Conflict(
            f"The tag “{other.name}” exists already: merge the two instead.",
            details={"field": "name"},
        )
    tag.name, tag.normalized_name = clean, clean.lower()
    session.flush()
    refresh_search_text(session, repository.contact_ids_with_tag(session, tag.id))
    return tag


def merge_tags(session: Session, user_id: int, source_id: int, target_id: int) -> Tag:
    """Every contact tagged ``source`` gets ``target``; ``source`` is deleted."""
    if source_id == target_id:
        raise ValidationFailed(
            "Choose two different tags to merge.", details={"field": "target_id"}
        )
    source, target = _tag(session, user_id, source_id), _tag(session, user_id, target_id)
    touched = repository.contact_ids_with_tag(session, source.id)
    repository.move_contacts_to_tag(session, source.id, target.id)
    session.delete(source)
    session.flush()
    refresh_search_text(session, touched)
    return target


def delete_tag(session: Session, user_id: int, tag_id: int) -> None:
    """Delete a tag and take it off every contact."""
    tag = _tag(session, user_id, tag_id)
    touched = repository.contact_ids_with_tag(session, tag.id)
    session.delete(tag)
    session.flush()
    refresh_search_text(session, touched)


def save_proposal(
    session: Session, user_id: int, proposal: dict[str, list[str]]
) -> tuple[int, int]:
    """Store an (edited) proposal: categories and their tags, merged with what exists.
    Returns (categories, tags) saved."""
    categories = tags = 0
    for category_name, tag_names in proposal.items():
        if not clean_tag_name(category_name):
            continue
        category = add_category(session, user_id, category_name)
        categories += 1
        for tag in get_or_create_tags(session, user_id, tag_names):
            tag.category_id = category.id
            tags += 1
    session.flush()
    return categories, tags


@dataclass(frozen=True)
class ApplyResult:
    contacts_seen: int
    contacts_matched: int
    tags_added: int


APPLY_BATCH = 1000


def apply_taxonomy(
    session: Session, user_id: int, on_progress: Callable[[int, int], None] | None = None
) -> ApplyResult:
    """Tag every contact with the saved taxonomy's tags that fit them (keyword match on
    title, company and bios), in batches; ``on_progress(done, total)`` after each batch."""
    saved = {
        tag.name: tag.id
        for category in taxonomy(session, user_id)
        if category.id is not None
        for tag in category.tags
    }
    total = repository.count_contacts(session, user_id)
    seen = matched = added = 0
    after = 0
    while True:
        batch = repository.contacts_page(session, user_id, after, APPLY_BATCH)
        if not batch:
            break
        pairs = [
            (contact.id, saved[name]) for contact in batch for name in tags_for(contact, saved)
        ]
        matched += len({contact_id for contact_id, _ in pairs})
        new_links = repository.link_pairs(session, pairs)
        if new_links:
            touched = sorted({contact_id for contact_id, _ in pairs})
            refresh_search_text(session, touched)
            added += new_links
        seen += len(batch)
        after = batch[-1].id
        session.flush()
        if on_progress is not None:
            on_progress(seen, total)
    return ApplyResult(contacts_seen=seen, contacts_matched=matched, tags_added=added)


def sample_contacts(session: Session, user_id: int, limit: int) -> Sequence[Contact]:
    """Contacts with the most to say about them, best known first (what the model sees
    when it proposes a taxonomy)."""
    return repository.sample_contacts(session, user_id, limit)


def latest_run(session: Session, user_id: int, job_name: str) -> JobRun | None:
    """The user's most recent run of ``job_name`` (the Apply progress)."""
    return repository.latest_run(session, user_id, job_name)
