"""Who may do what, as strawberry permissions on fields (never checks inside resolvers).

An invalid token is always UNAUTHENTICATED, even where anonymous reads are allowed: a client
that sends a credential must learn that it is wrong. A valid token with too small a role is
FORBIDDEN. A scoped API key is FORBIDDEN a mutation its scope does not list, with a message
naming the scope; the slug namespace and the curation of seeded facts depend on what is written,
so kgapi.writes checks those (ScopeDenied, which the mutations turn into FORBIDDEN).
"""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from kgapi.auth import Role, ScopeDenied
from kgapi.graphql.context import Context, Info
from kgapi.graphql.errors import UNAVAILABLE_MESSAGE, DatabaseUnavailableError, KgapiError

__all__ = [
    "CanCurate",
    "CanEdit",
    "CanRead",
    "CanReadAuditTrail",
    "Forbidden",
    "IsAdmin",
    "Unauthenticated",
    "WithinKeyScope",
    "check_role",
]


class Unauthenticated(KgapiError):
    code = "UNAUTHENTICATED"


class Forbidden(KgapiError):
    code = "FORBIDDEN"


def check_role(context: Context, required: Role) -> None:
    """Raise the error a caller without `required` gets (shared by the permission classes and
    the one-statement read path, which declines a request this rejects)."""
    if context.database_unavailable:
        raise DatabaseUnavailableError(UNAVAILABLE_MESSAGE)
    if context.auth_error is not None:
        raise Unauthenticated(context.auth_error)
    principal = context.principal
    if principal.anonymous:
        if required is Role.READER and context.settings.allow_anonymous_reads:
            return
        raise Unauthenticated("this needs a token: send Authorization: Bearer <API key or JWT>")
    if not principal.role.at_least(required):
        raise Forbidden(
            f"this needs the {required.value} role; {principal.actor} has {principal.role.value}"
        )


class _RoleAtLeast(BasePermission):
    required = Role.READER

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        check_role(info.context, self.required)
        return True


class CanRead(_RoleAtLeast):
    required = Role.READER


class CanReadAuditTrail(BasePermission):
    """The audit trail names writers (key ids, JWT subjects): it needs a token with the reader
    role unless KGAPI_AUDIT_TRAIL_PUBLIC opens it to anonymous callers."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        context = info.context
        check_role(context, Role.READER)
        if context.principal.anonymous and not context.settings.audit_trail_public:
            raise Unauthenticated(
                "the audit trail needs a token with the reader role: send "
                "Authorization: Bearer <API key or JWT>"
            )
        return True


class CanEdit(_RoleAtLeast):
    required = Role.EDITOR


class CanCurate(_RoleAtLeast):
    """Curators decide what becomes a fact: seeded facts, and machine-read candidates."""

    required = Role.CURATOR


class IsAdmin(_RoleAtLeast):
    required = Role.ADMIN


class WithinKeyScope(BasePermission):
    """After CanEdit: a key scoped to some mutations may call only those."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        try:
            info.context.principal.check_mutation(info.field_name)
        except ScopeDenied as exc:
            raise Forbidden(str(exc)) from None
        return True
