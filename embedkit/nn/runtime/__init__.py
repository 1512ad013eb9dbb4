"""What every torch trainer shares: the device and thread set-up (:mod:`.device`), data-parallel
training under ``torchrun`` (:mod:`.distributed`), checkpoints (:mod:`.checkpoint`) and the random
generators' state for exact resumes (:mod:`.rng`). Import the modules themselves."""
