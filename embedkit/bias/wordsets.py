"""The word sets of Caliskan, Bryson and Narayanan's ten WEAT tests, as their supplement publishes them.

Source: A. Caliskan, J. J. Bryson, A. Narayanan (2017), "Semantics derived automatically from language
corpora contain human-like biases", *Science* 356(6334):183-186, doi:10.1126/science.aal4230,
supplementary materials, "WEAT_DATA 1" to "WEAT_DATA 10". The sets come from Greenwald, McGhee and
Schwartz (1998) (tests 1-3), Bertrand and Mullainathan (2004) (tests 4-5), Nosek, Banaji and Greenwald
(2002a, 2002b) (tests 5-8, 10) and Monteith and Pettit (2011) (test 9).

The names the supplement marks in italics as excluded from the authors' own replication (too rare in
GloVe's Common Crawl corpus, and as many European American names chosen at random) are left out of
``weat3``, ``weat4`` and ``weat5`` here too, so the sets are those the paper's numbers were computed on.
Words keep the paper's spelling and case; a query folds them to lower case where the vectors are
lower-cased (GloVe 6B).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CALISKAN_2017", "CALISKAN_EFFECT_SIZES", "WEAT_TESTS", "WeatTest", "weat_test"]

CALISKAN_2017 = (
    "A. Caliskan, J. J. Bryson, A. Narayanan (2017). Semantics derived automatically from language corpora "
    "contain human-like biases. Science 356(6334):183-186. doi:10.1126/science.aal4230 (supplement, WEAT_DATA 1-10)"
)
"""The citation of the ten WEAT word sets (Caliskan, Bryson and Narayanan 2017, *Science*, supplement)."""


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.replace("\n", " ").split(",") if w.strip())


_FLOWERS = _words(
    "aster, clover, hyacinth, marigold, poppy, azalea, crocus, iris, orchid, rose, bluebell, daffodil, lilac, "
    "pansy, tulip, buttercup, daisy, lily, peony, violet, carnation, gladiola, magnolia, petunia, zinnia"
)
_INSECTS = _words(
    "ant, caterpillar, flea, locust, spider, bedbug, centipede, fly, maggot, tarantula, bee, cockroach, gnat, "
    "mosquito, termite, beetle, cricket, hornet, moth, wasp, blackfly, dragonfly, horsefly, roach, weevil"
)
_PLEASANT_25 = _words(
    "caress, freedom, health, love, peace, cheer, friend, heaven, loyal, pleasure, diamond, gentle, honest, "
    "lucky, rainbow, diploma, gift, honor, miracle, sunrise, family, happy, laughter, paradise, vacation"
)
_UNPLEASANT_25 = _words(
    "abuse, crash, filth, murder, sickness, accident, death, grief, poison, stink, assault, disaster, hatred, "
    "pollute, tragedy, divorce, jail, poverty, ugly, cancer, kill, rotten, vomit, agony, prison"
)
# Tests 3 and 4 list "bomb" and "evil" where tests 1 and 2 list "agony" and "prison".
_UNPLEASANT_25_NAMES = _words(
    "abuse, crash, filth, murder, sickness, accident, death, grief, poison, stink, assault, disaster, hatred, "
    "pollute, tragedy, bomb, divorce, jail, poverty, ugly, cancer, evil, kill, rotten, vomit"
)
_INSTRUMENTS = _words(
    "bagpipe, cello, guitar, lute, trombone, banjo, clarinet, harmonica, mandolin, trumpet, bassoon, drum, harp, "
    "oboe, tuba, bell, fiddle, harpsichord, piano, viola, bongo, flute, horn, saxophone, violin"
)
_WEAPONS = _words(
    "arrow, club, gun, missile, spear, axe, dagger, harpoon, pistol, sword, blade, dynamite, hatchet, rifle, "
    "tank, bomb, firearm, knife, shotgun, teargas, cannon, grenade, mace, slingshot, whip"
)
# Test 3 without the names in italics (excluded from the paper's replication).
_EA_NAMES_3 = _words(
    "Adam, Harry, Josh, Roger, Alan, Frank, Justin, Ryan, Andrew, Jack, Matthew, Stephen, Brad, Greg, Paul, "
    "Jonathan, Peter, Amanda, Courtney, Heather, Melanie, Katie, Betsy, Kristin, Nancy, Stephanie, Ellen, "
    "Lauren, Colleen, Emily, Megan, Rachel"
)
_AA_NAMES_3 = _words(
    "Alonzo, Jamel, Theo, Alphonse, Jerome, Leroy, Torrance, Darnell, Lamar, Lionel, Tyree, Deion, Lamont, "
    "Malik, Terrence, Tyrone, Lavon, Marcellus, Wardell, Nichelle, Shereen, Ebony, Latisha, Shaniqua, Jasmine, "
    "Tanisha, Tia, Lakisha, Latoya, Yolanda, Malika, Yvette"
)
# Tests 4 and 5 (Bertrand and Mullainathan's names) without Jay, Kristen, Tremayne and Latonya.
_EA_NAMES_4 = _words(
    "Brad, Brendan, Geoffrey, Greg, Brett, Matthew, Neil, Todd, Allison, Anne, Carrie, Emily, Jill, Laurie, "
    "Meredith, Sarah"
)
_AA_NAMES_4 = _words(
    "Darnell, Hakim, Jermaine, Kareem, Jamal, Leroy, Rasheed, Tyrone, Aisha, Ebony, Keisha, Kenya, Lakisha, "
    "Latoya, Tamika, Tanisha"
)
_PLEASANT_8 = _words("joy, love, peace, wonderful, pleasure, friend, laughter, happy")
_UNPLEASANT_8 = _words("agony, terrible, horrible, nasty, evil, war, awful, failure")


@dataclass(frozen=True)
class WeatTest:
    """One of Caliskan et al.'s tests: two target sets, two attribute sets, their names, and the effect
    size the paper reports on GloVe 840B 300d (Table 1)."""

    name: str
    target_names: tuple[str, str]
    attribute_names: tuple[str, str]
    x: tuple[str, ...]
    y: tuple[str, ...]
    a: tuple[str, ...]
    b: tuple[str, ...]
    paper_effect_size: float

    def to_dict(self) -> dict:
        """The test's word sets and citation as plain data."""
        return {
            "name": self.name,
            "targets": list(self.target_names),
            "attributes": list(self.attribute_names),
            "sets": {
                self.target_names[0]: list(self.x),
                self.target_names[1]: list(self.y),
                self.attribute_names[0]: list(self.a),
                self.attribute_names[1]: list(self.b),
            },
            "paper_effect_size": self.paper_effect_size,
            "source": CALISKAN_2017,
        }


WEAT_TESTS: dict[str, WeatTest] = {
    t.name: t
    for t in (
        WeatTest("weat1", ("flowers", "insects"), ("pleasant", "unpleasant"), _FLOWERS, _INSECTS,
                 _PLEASANT_25, _UNPLEASANT_25, 1.50),
        WeatTest("weat2", ("instruments", "weapons"), ("pleasant", "unpleasant"), _INSTRUMENTS, _WEAPONS,
                 _PLEASANT_25, _UNPLEASANT_25, 1.53),
        WeatTest("weat3", ("european_american_names", "african_american_names"), ("pleasant", "unpleasant"),
                 _EA_NAMES_3, _AA_NAMES_3, _PLEASANT_25, _UNPLEASANT_25_NAMES, 1.41),
        WeatTest("weat4", ("european_american_names", "african_american_names"), ("pleasant", "unpleasant"),
                 _EA_NAMES_4, _AA_NAMES_4, _PLEASANT_25, _UNPLEASANT_25_NAMES, 1.50),
        WeatTest("weat5", ("european_american_names", "african_american_names"), ("pleasant", "unpleasant"),
                 _EA_NAMES_4, _AA_NAMES_4, _PLEASANT_8, _UNPLEASANT_8, 1.28),
        WeatTest("weat6", ("male_names", "female_names"), ("career", "family"),
                 _words("John, Paul, Mike, Kevin, Steve, Greg, Jeff, Bill"),
                 _words("Amy, Joan, Lisa, Sarah, Diana, Kate, Ann, Donna"),
                 _words("executive, management, professional, corporation, salary, office, business, career"),
                 _words("home, parents, children, family, cousins, marriage, wedding, relatives"), 1.81),
        WeatTest("weat7", ("math", "arts"), ("male_terms", "female_terms"),
                 _words("math, algebra, geometry, calculus, equations, computation, numbers, addition"),
                 _words("poetry, art, dance, literature, novel, symphony, drama, sculpture"),
                 _words("male, man, boy, brother, he, him, his, son"),
                 _words("female, woman, girl, sister, she, her, hers, daughter"), 1.06),
        WeatTest("weat8", ("science", "arts"), ("male_terms", "female_terms"),
                 _words("science, technology, physics, chemistry, Einstein, NASA, experiment, astronomy"),
                 _words("poetry, art, Shakespeare, dance, literature, novel, symphony, drama"),
                 _words("brother, father, uncle, grandfather, son, he, his, him"),
                 _words("sister, mother, aunt, grandmother, daughter, she, hers, her"), 1.24),
        WeatTest("weat9", ("mental_disease", "physical_disease"), ("temporary", "permanent"),
                 _words("sad, hopeless, gloomy, tearful, miserable, depressed"),
                 _words("sick, illness, influenza, disease, virus, cancer"),
                 _words("impermanent, unstable, variable, fleeting, short-term, brief, occasional"),
                 _words("stable, always, constant, persistent, chronic, prolonged, forever"), 1.38),
        WeatTest("weat10", ("young_names", "old_names"), ("pleasant", "unpleasant"),
                 _words("Tiffany, Michelle, Cindy, Kristy, Brad, Eric, Joey, Billy"),
                 _words("Ethel, Bernice, Gertrude, Agnes, Cecil, Wilbert, Mortimer, Edgar"),
                 _PLEASANT_8, _UNPLEASANT_8, 1.21),
    )
}  # fmt: skip
"""Caliskan et al.'s ten tests by name, ``weat1`` .. ``weat10`` in the paper's order."""
CALISKAN_EFFECT_SIZES = {name: t.paper_effect_size for name, t in WEAT_TESTS.items()}
"""The effect size the paper reports for each test (GloVe 840B 300d), by test name."""


def weat_test(name: str) -> WeatTest:
    """The built-in test ``name`` (``weat1`` .. ``weat10``, in the paper's order)."""
    from ..errors import InvalidArgumentError

    try:
        return WEAT_TESTS[name]
    except KeyError:
        raise InvalidArgumentError(f"unknown WEAT test {name!r}: choose one of {', '.join(WEAT_TESTS)}") from None
