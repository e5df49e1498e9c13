"""The contact form: ONE model, parsed once from the posted fields, used by both the
create page and the contact page's edit panel."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from pingcrm.models import Contact, IdentifierKind
from pingcrm.web.ui.contacts.common import split_values

_Text = Annotated[str, Field(max_length=5000)]


class ContactForm(BaseModel):
    """The form's raw strings, exactly as typed (so a bad form is shown back unchanged)."""

    model_config = ConfigDict(extra="ignore")

    full_name: _Text = ""
    emails: _Text = ""
    phones: _Text = ""
    company: _Text = ""
    title: _Text = ""
    location: _Text = ""
    birthday: _Text = ""
    priority: _Text = "medium"
    tags: _Text = ""
    telegram: _Text = ""
    twitter: _Text = ""
    linkedin: _Text = ""

    @classmethod
    def of(cls, contact: Contact) -> ContactForm:
        """The edit form's initial values."""

        def joined(kind: IdentifierKind) -> str:
            return ", ".join(i.display_value for i in contact.identifiers if i.kind == kind)

        def first(kind: IdentifierKind) -> str:
            return next((i.display_value for i in contact.identifiers if i.kind == kind), "")

        return cls(
            full_name=contact.full_name,
            emails=joined(IdentifierKind.EMAIL),
            phones=joined(IdentifierKind.PHONE),
            company=contact.company or "",
            title=contact.title or "",
            location=contact.location or "",
            birthday=contact.birthday.isoformat() if contact.birthday else "",
            priority=contact.priority.value,
            tags=", ".join(t.name for t in contact.tags),
            telegram=first(IdentifierKind.TELEGRAM_USERNAME),
            twitter=first(IdentifierKind.TWITTER_HANDLE),
            linkedin=first(IdentifierKind.LINKEDIN_SLUG),
        )

    def values(self) -> dict[str, str]:
        return self.model_dump()

    def update_fields(self) -> dict[str, Any]:
        """The fields of ``ContactUpdate`` (the edit panel has no priority or tags)."""
        return {
            "full_name": self.full_name,
            "emails": split_values(self.emails),
            "phones": split_values(self.phones),
            "company": self.company or None,
            "title": self.title or None,
            "location": self.location or None,
            "birthday": self.birthday or None,
            "telegram": self.telegram or None,
            "twitter": self.twitter or None,
            "linkedin": self.linkedin or None,
        }

    def create_fields(self) -> dict[str, Any]:
        return {
            **self.update_fields(),
            "priority": self.priority or "medium",
            "tags": split_values(self.tags),
        }


EMPTY_FORM = ContactForm().values()
