"""The claim registry: one function per claim check, registered with its chapter and claim id.

A chapter module decorates each claim function with :func:`claim_check`; nothing else lists
claim ids. ``analysis.chapters.discover()`` imports every chapter module so that the registry
is complete, and a test holds the registry against ``data/claims.yaml``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ClaimsError
from . import claims as C
from . import rulebook as R

ClaimFunction = Callable[..., "C.ClaimResult"]
_REGISTRY: dict[str, dict[str, ClaimFunction]] = {}


def claim_check(chapter: str, claim_id: str) -> Callable[[ClaimFunction], ClaimFunction]:
    """Register ``fn(data_dir) -> ClaimResult`` as the chapter's check of ``claim_id``."""

    def register(fn: ClaimFunction) -> ClaimFunction:
        funcs = _REGISTRY.setdefault(chapter, {})
        if claim_id in funcs and funcs[claim_id] is not fn:
            raise ClaimsError(f"{claim_id} is registered twice in chapter {chapter} "
                              f"({funcs[claim_id].__name__} and {fn.__name__})")
        funcs[claim_id] = fn
        return fn

    return register


def chapters() -> list[str]:
    """Chapters that registered at least one claim (after ``analysis.chapters.discover()``)."""
    return sorted(_REGISTRY)


def claim_ids(chapter: str) -> list[str]:
    """The chapter's claim ids in id order."""
    if chapter not in _REGISTRY:
        raise ClaimsError(f"No claims registered for chapter {chapter!r}; chapters: {', '.join(chapters())}")
    return sorted(_REGISTRY[chapter])


def evaluate(chapter: str, data_dir=None, post: Callable | None = None) -> list[C.ClaimResult]:
    """Run every registered claim function of a chapter, in id order.

    ``post`` (optional) is applied to each result (a chapter-wide rule such as year-mismatch on
    statement checks); the claim's verdict is then recomputed from its checks by the rulebook.
    """
    out = []
    for cid in claim_ids(chapter):
        res = _REGISTRY[chapter][cid](data_dir)
        if res.id != cid:
            raise ClaimsError(f"{_REGISTRY[chapter][cid].__name__} is registered for {cid} but returned {res.id}")
        extra = C.wording_checks(cid)
        if extra:  # the document's words against its own number (rule wording)
            res.checks.extend(extra)
            if res.verdict != R.NOT_TESTABLE or any(R.is_primary(c.label, C.primary_of(cid)[0] or []) for c in extra):
                res.verdict = C.claim_verdict(cid, res.checks)
        if post is not None:
            res = post(res)
        out.append(res)
    return out
