"""ImageNet class names to plain words: groups of related classes, noun phrases, keywords.

A classifier spreads its belief over near-identical classes (three cat breeds, two clocks, a
missile and a projectile); grouping them before judging confidence turns 0.35 + 0.26 + 0.22 into
one confident "a cat". Everything here is pure data and pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..models.classifier import imagenet_labels


@dataclass(frozen=True)
class Concept:
    """What a group of ImageNet classes means in plain words.

    Attributes:
        key: a stable name for the group (``"cat"``, ``"rocket"``, or the class name).
        phrase: noun phrase with its article, ``"a cat"``, ``"a cup of espresso"``.
        keywords: words a narration would use for it (matched against narration text).
        kind: ``"animal"``, ``"person"``, ``"place"``, ``"clothing"``, ``"text"`` or ``"object"``.
    """

    key: str
    phrase: str
    keywords: tuple[str, ...]
    kind: str


# Index ranges of ImageNet-1k that share one plain name (inclusive bounds).
_RANGES: list[tuple[int, int, str, str, tuple[str, ...], str]] = [
    (0, 1, "fish", "a fish", ("fish",), "animal"),
    (2, 4, "shark", "a shark", ("shark", "fish"), "animal"),
    (5, 6, "ray", "a ray", ("ray", "fish"), "animal"),
    (7, 24, "bird", "a bird", ("bird", "birds"), "animal"),
    (25, 32, "amphibian", "a frog or salamander", ("frog", "salamander", "newt"), "animal"),
    (33, 37, "turtle", "a turtle", ("turtle", "tortoise"), "animal"),
    (38, 48, "lizard", "a lizard", ("lizard", "reptile"), "animal"),
    (49, 50, "crocodile", "a crocodile", ("crocodile", "alligator"), "animal"),
    (52, 68, "snake", "a snake", ("snake", "serpent"), "animal"),
    (70, 77, "spider", "a spider", ("spider",), "animal"),
    (80, 100, "bird", "a bird", ("bird", "birds"), "animal"),
    (118, 126, "crustacean", "a crab or lobster", ("crab", "lobster"), "animal"),
    (127, 146, "bird", "a bird", ("bird", "birds"), "animal"),
    (147, 150, "sea-mammal", "a sea mammal", ("whale", "sea", "seal"), "animal"),
    (151, 268, "dog", "a dog", ("dog", "puppy", "hound"), "animal"),
    (269, 272, "wolf", "a wolf", ("wolf", "wolves"), "animal"),
    (273, 276, "wild-dog", "a wild dog", ("dog", "hyena"), "animal"),
    (277, 280, "fox", "a fox", ("fox",), "animal"),
    (281, 285, "cat", "a cat", ("cat", "kitten", "tabby"), "animal"),
    (294, 297, "bear", "a bear", ("bear",), "animal"),
    (300, 307, "beetle", "a beetle", ("beetle", "insect", "bug"), "animal"),
    (321, 326, "butterfly", "a butterfly", ("butterfly",), "animal"),
    (330, 331, "rabbit", "a rabbit", ("rabbit", "hare"), "animal"),
    (341, 343, "pig", "a pig", ("pig", "boar", "hog"), "animal"),
    (345, 347, "cattle", "cattle", ("cow", "cattle", "ox", "buffalo", "bison"), "animal"),
    (348, 353, "antelope", "a wild goat or antelope", ("goat", "antelope", "ram"), "animal"),
    (365, 368, "ape", "an ape", ("ape", "gorilla", "chimpanzee"), "animal"),
    (369, 384, "monkey", "a monkey", ("monkey",), "animal"),
    (385, 386, "elephant", "an elephant", ("elephant",), "animal"),
    (389, 397, "fish", "a fish", ("fish",), "animal"),
]

# Sets of unrelated indexes that read as one thing.
_SETS: list[tuple[tuple[int, ...], str, str, tuple[str, ...], str]] = [
    ((967, 968, 504), "coffee", "a cup of coffee", ("coffee", "espresso", "cup", "mug"),
     "object"),
    ((657, 744, 812), "rocket", "a rocket", ("rocket", "launch", "missile", "shuttle"),
     "object"),
    ((409, 892, 530), "clock", "a clock", ("clock", "time"), "object"),
    ((404, 895, 908), "aeroplane", "an aeroplane", ("plane", "aeroplane", "airplane", "jet"),
     "object"),
    ((436, 468, 511, 609, 627, 656, 661, 717, 751, 817, 581, 479), "car", "a car",
     ("car", "vehicle", "drive"), "object"),
    ((665, 670), "scooter", "a motor scooter", ("scooter", "motorbike", "motorcycle", "moped"),
     "object"),
    ((671, 444, 870, 880), "bicycle", "a bicycle", ("bicycle", "bike", "cycle"), "object"),
    ((759, 732), "camera", "a camera", ("camera", "photo", "photograph"), "object"),
    ((527, 620, 590, 664, 782, 851, 508, 878), "computer", "a computer or screen",
     ("computer", "screen", "laptop", "monitor"), "object"),
    ((916, 921, 922, 917, 918, 446, 549, 919, 453, 454), "text", "printed text",
     ("text", "page", "words", "sign", "book", "letter", "reads"), "text"),
    ((970, 979, 980), "mountain", "a mountain landscape", ("mountain", "mountains", "valley"),
     "place"),
    ((975, 977, 978, 976, 972), "shore", "a shoreline", ("shore", "sea", "coast", "beach",
                                                          "lake", "cliff"), "place"),
    ((981, 982, 983), "person", "a person", ("person", "man", "woman", "player", "diver"),
     "person"),
    ((399, 400, 411, 445, 474, 501, 568, 578, 608, 610, 614, 617, 652, 655, 689, 697, 735,
      775, 834, 841, 842, 869, 887, 638, 639, 465, 459, 601), "clothing", "clothing",
     ("clothes", "suit", "dress", "uniform", "wearing"), "clothing"),
]

# Plain phrases for single classes whose shipped name reads badly.
_PHRASES: dict[str, str] = {
    "espresso": "a cup of espresso", "cup": "a cup", "coffee_mug": "a coffee mug",
    "missile": "a rocket", "projectile": "a rocket", "space_shuttle": "a space shuttle",
    "analog_clock": "a clock", "wall_clock": "a wall clock", "digital_clock": "a digital clock",
    "web_site": "a page of text", "book_jacket": "a book cover", "menu": "a printed menu",
    "comic_book": "a comic book", "crossword_puzzle": "a crossword", "street_sign":
    "a street sign", "envelope": "an envelope", "binder": "a binder", "bookcase": "bookshelves",
    "bookshop": "a bookshop", "tabby": "a cat", "tiger_cat": "a cat", "Egyptian_cat": "a cat",
    "Persian_cat": "a cat", "Siamese_cat": "a cat", "sorrel": "a horse", "tusker":
    "an elephant", "drake": "a duck", "cock": "a rooster", "jean": "jeans", "sunglass":
    "sunglasses", "maillot": "a swimsuit", "pop_bottle": "a bottle", "ashcan": "a bin",
    "Band_Aid": "a bandage", "upright": "an upright piano", "rule": "a ruler", "file":
    "a filing cabinet", "switch": "a switch", "hip": "rose hips", "ear": "an ear of corn",
    "alp": "mountains", "seashore": "a seashore", "lakeside": "a lakeside", "valley":
    "a valley", "volcano": "a volcano", "cliff": "a cliff", "promontory": "a headland",
    "sandbar": "a sandbar", "coral_reef": "a coral reef", "geyser": "a geyser", "bubble":
    "bubbles", "ballplayer": "a ballplayer", "groom": "a groom", "scuba_diver": "a scuba diver",
    "tripod": "a tripod", "binoculars": "binoculars", "reflex_camera": "a camera",
    "Polaroid_camera": "an instant camera",
    "moped": "a moped", "motor_scooter": "a motor scooter", "mountain_bike": "a mountain bike",
    "airliner": "an airliner", "warplane": "a military aircraft", "wing": "an aircraft wing",
    "Granny_Smith": "a green apple", "hay": "hay", "corn": "corn", "broccoli": "broccoli",
    "guacamole": "guacamole", "carbonara": "pasta", "consomme": "soup", "dough": "dough",
    "mashed_potato": "mashed potatoes", "chocolate_sauce": "chocolate sauce", "red_wine":
    "red wine", "ice_cream": "ice cream", "wool": "wool", "velvet": "velvet", "chain_mail":
    "chain mail", "jigsaw_puzzle": "a jigsaw puzzle", "suit": "a suit", "jersey": "a jersey",
    "military_uniform": "a uniform", "lab_coat": "a lab coat", "toilet_tissue": "toilet paper",
    "paper_towel": "paper towels", "stone_wall": "a stone wall", "brass": "a brass plaque",
    "monitor": "a monitor", "screen": "a screen", "television": "a television",
    "desktop_computer": "a desktop computer", "laptop": "a laptop",
}

# Classes that are often wrong guesses on textures or abstract images; never stated alone.
UNRELIABLE: frozenset[str] = frozenset({
    "velvet", "wool", "chain_mail", "jigsaw_puzzle", "honeycomb", "maze", "window_screen",
    "shower_curtain", "doormat", "prayer_rug", "quilt", "dishrag", "handkerchief", "bib", "sock",
    "lampshade", "spotlight", "loudspeaker", "tick", "nematode", "barbell", "drumstick",
    "chain", "mosquito_net", "theater_curtain", "fire_screen", "web_site", "envelope",
    "shield", "jack-o'-lantern", "stole", "poncho", "hook", "buckle", "nail", "screw",
    "matchstick", "rubber_eraser", "chime", "bubble", "swab", "Petri_dish", "golf_ball",
    "ping-pong_ball", "croquet_ball", "solar_dish", "pick", "saltshaker", "loupe", "racket",
    "mask", "wig", "feather_boa", "knot", "coil", "spider_web", "manhole_cover",
})

_NO_ARTICLE = frozenset({"jeans", "sunglasses", "hay", "corn", "broccoli", "guacamole", "pasta",
                         "soup", "dough", "wool", "velvet", "bubbles", "cattle", "clothing",
                         "mountains", "printed text", "binoculars", "ice cream", "red wine"})


def article(noun: str) -> str:
    """``noun`` with "a"/"an" in front (vowel sound judged by the first letter)."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def plain_phrase(label: str) -> str:
    """A readable noun phrase with article for one shipped class name.

    >>> plain_phrase("espresso")
    'a cup of espresso'
    >>> plain_phrase("acoustic_guitar")
    'an acoustic guitar'
    """
    if label in _PHRASES:
        return _PHRASES[label]
    words = label.replace("_", " ")
    if not words[:1].isupper():
        words = words.lower()
    if words in _NO_ARTICLE:
        return words
    return article(words)


def _keywords_of(label: str) -> tuple[str, ...]:
    parts = [w for w in label.lower().replace("-", "_").split("_") if len(w) > 2]
    return tuple(dict.fromkeys(parts))


@lru_cache(maxsize=1)
def concept_table() -> tuple[Concept, ...]:
    """One `Concept` per ImageNet index (index order)."""
    labels = imagenet_labels()
    table: list[Concept | None] = [None] * 1000
    for lo, hi, key, phrase, kws, kind in _RANGES:
        for i in range(lo, hi + 1):
            table[i] = Concept(key=key, phrase=phrase,
                               keywords=tuple(dict.fromkeys(kws + _keywords_of(labels[i]))),
                               kind=kind)
    for idxs, key, phrase, kws, kind in _SETS:
        for i in idxs:
            table[i] = Concept(key=key, phrase=phrase,
                               keywords=tuple(dict.fromkeys(kws + _keywords_of(labels[i]))),
                               kind=kind)
    for i, label in enumerate(labels):
        if table[i] is None:
            kind = "animal" if i < 398 else "object"
            table[i] = Concept(key=label, phrase=plain_phrase(label),
                               keywords=_keywords_of(label), kind=kind)
    return tuple(c for c in table if c is not None)


def concept_of(index: int) -> Concept:
    """The `Concept` of ImageNet class ``index``."""
    return concept_table()[index]
