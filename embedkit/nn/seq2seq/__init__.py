"""Encoder-decoders in torch: models (:mod:`.models`), decoding (:mod:`.decode`), training (:mod:`.train`) and
the trained model (:mod:`.trained`). The public entry points are in :mod:`embedkit.sequences.api`."""
