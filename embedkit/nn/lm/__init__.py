"""Language models trained by next-word prediction: the architectures (:mod:`.models`), their
trainer and checkpoints (:mod:`.train`) and text generation (:mod:`.generate`). Import the modules
themselves (``embedkit.nn`` re-exports the public names)."""
