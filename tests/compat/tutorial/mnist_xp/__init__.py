"""The shape of 2.x's tutorial demo (docs/source/demo/mnist_xp of experimaestro 2.x),
without its heavy parts (datamaestro's MNIST download, torch, pandas): what a user of the
tutorial meets first (tests/test_compat_tutorial.py)."""
