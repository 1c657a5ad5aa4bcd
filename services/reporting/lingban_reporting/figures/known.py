"""The figure documents a book knows as stored, so a roll-up's sum need not read its children.

Each roll-up records the `rev` of every child its sum was made of (`summed`).
When the book knows each of those children at that rev or a later one (it wrote
it, or read it since), and knows of no other child of the roll-up, it sums from
what it knows; otherwise it reads the children as stored (one indexed equality),
as it always did, and learns them. Everything it knows is a document exactly as
it was stored at its `rev` (written with a compare-and-set, or read), so only
newer revs can exist than what it knows.

Why roll-ups still converge to the sum of their children as stored. Whoever
writes a child sums the roll-up after that write (a crash in between gets its
batch again, and writing it again sums). Take the roll-up's last write (or the
last sum that found nothing to change) and any child at its final rev R, whose
writer summed afterwards. If that writer's sum came after the last write, it
found nothing to change: the roll-up already recorded the child at R. If it came
before, it wrote the roll-up recording R (or found it recording R), and the last
write was a compare-and-set on the rev stored at that moment, later than that
sum's: it saw R recorded, so it used the child at R (known at R, or read). That
holds whether the writer read the roll-up or knew it: a rev names one content,
since every write of a figure document is a compare-and-set that raises its rev.
A child it did not know of, or knew under another parent (moved by `relocate`),
does not match the recorded children: it reads them. The recorded revs also
close a gap the plain re-read had: a sum that "found nothing to change" only
because a child went back to an earlier value now differs in the recorded rev,
so it is written.
"""

from __future__ import annotations

from typing import Any

from lingban_reporting.figures.packing import summed_of

Doc = dict[str, Any]


class KnownDocs:
    """One generation's figure documents as last written or read by this book, by `_id`."""

    def __init__(self) -> None:
        self._docs: dict[str, Doc] = {}
        self._children: dict[str, set[str]] = {}  # parent -> ids known to sum into it

    def clear(self) -> None:
        self._docs.clear()
        self._children.clear()

    def learn(self, doc: Doc) -> None:
        """A document as stored at its `rev` (kept unless a later rev is known)."""
        doc_id = str(doc["_id"])
        known = self._docs.get(doc_id)
        if known is not None:
            if int(known["rev"]) > int(doc["rev"]):
                return
            if int(known["rev"]) == int(doc["rev"]):
                # The same stored document, perhaps read with fewer fields (a roll-up
                # read as another's child): keep every field known of it.
                doc = known | doc
            self._children.get(str(known.get("sums_into")), set()).discard(doc_id)
        self._docs[doc_id] = doc
        self._children.setdefault(str(doc.get("sums_into")), set()).add(doc_id)

    def get(self, doc_id: str) -> Doc | None:
        """The document as last known stored (a later rev may exist)."""
        return self._docs.get(doc_id)

    def forget(self, doc_id: str) -> None:
        known = self._docs.pop(doc_id, None)
        if known is not None:
            self._children.get(str(known.get("sums_into")), set()).discard(doc_id)

    def learn_children(self, parent: str, children: list[Doc]) -> None:
        """Every child of `parent` as read just now: others known under it have moved."""
        for child in children:
            self.learn(child)
        stored = {str(child["_id"]) for child in children}
        for doc_id in self._children.get(parent, set()) - stored:
            self.forget(doc_id)

    def children(self, rollup: Doc | None) -> list[Doc] | None:
        """The roll-up's children as known, if that is at least what its last sum used."""
        summed = None if rollup is None else summed_of(rollup)
        if rollup is None or summed is None:
            return None
        mine = self._children.get(str(rollup["_id"]), set())
        if mine != summed.keys():
            return None
        docs = [self._docs[doc_id] for doc_id in mine]
        if any(int(doc["rev"]) < summed[str(doc["_id"])] for doc in docs):
            return None
        return docs
