"""The torch tests' folder: ddp_worker.py is a script, not a test module."""

# Started by test_distributed.py under torchrun, never collected (it imports torch at the top).
collect_ignore = ["ddp_worker.py"]
