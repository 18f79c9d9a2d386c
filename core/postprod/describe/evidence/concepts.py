"""What the image classifier saw: its top ImageNet classes grouped into plain-words concepts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...models.classifier import LabelScore
from ..vocabulary import UNRELIABLE, Concept, concept_of, plain_phrase

CONFIDENT = 0.5
"""Group probability from which a concept is stated plainly ("a cat")."""
HEDGED = 0.2
"""Group probability from which a concept is stated hedged ("what looks like a rocket")."""

TEXT_CLASSES: frozenset[int] = frozenset({916, 921, 922, 917, 918, 446, 549, 919, 453, 454, 781,
                                          458, 769})
"""ImageNet classes whose presence suggests on-screen text worth reading (signs, pages,
covers, screens)."""


@dataclass(frozen=True)
class ConceptScore:
    """A plain-words concept with the summed probability of its ImageNet classes.

    Attributes:
        key: group name (``"cat"``, ``"rocket"``, ``"espresso"``).
        phrase: noun phrase with article, from the group's most probable class.
        probability: sum of the group's class probabilities among the top classes, in [0, 1].
        keywords: words a narration would use for it.
        kind: ``animal``, ``person``, ``place``, ``clothing``, ``text`` or ``object``.
        labels: the shipped class names that make it up, most probable first.
        reliable: False when every member is a class the classifier guesses on textures and
            abstract images (such a concept is never stated).
    """

    key: str
    phrase: str
    probability: float
    keywords: tuple[str, ...]
    kind: str
    labels: tuple[str, ...]
    reliable: bool = True


def group_concepts(labels: Sequence[LabelScore]) -> list[ConceptScore]:
    """Sum label probabilities by concept; most probable first (ties by first appearance)."""
    groups: dict[str, tuple[Concept, list[LabelScore]]] = {}
    for s in labels:
        c = concept_of(s.index)
        groups.setdefault(c.key, (c, []))[1].append(s)
    out = []
    for concept, members in groups.values():
        prob = sum(m.probability for m in members)
        top = members[0].label
        reliable = [m for m in members if m.label not in UNRELIABLE]
        if not reliable:
            prob = min(prob, HEDGED - 1e-6)  # texture-like guesses are never stated
        phrase = plain_phrase(top) if len(members) == 1 or top in _SPECIFIC else concept.phrase
        keywords = tuple(dict.fromkeys(
            concept.keywords + tuple(k for m in members for k in concept_of(m.index).keywords)))
        out.append(ConceptScore(key=concept.key, phrase=phrase, probability=float(prob),
                                keywords=keywords, kind=concept.kind,
                                labels=tuple(m.label for m in members),
                                reliable=bool(reliable)))
    out.sort(key=lambda c: -round(c.probability, 9))
    return out


_SPECIFIC = frozenset({"espresso", "space_shuttle", "wall_clock", "digital_clock", "airliner",
                       "Polaroid_camera", "mountain_bike", "book_jacket", "menu", "street_sign",
                       "comic_book", "crossword_puzzle", "alp", "volcano", "seashore",
                       "lakeside", "cliff", "valley", "scuba_diver", "ballplayer", "groom"})
"""Classes named as themselves even when their group has other members (the class says more
than the group's phrase)."""
