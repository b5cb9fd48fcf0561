"""The YAML inputs of the grid search comparison (grid_outcomes.py): each case is the body
of an experiment file for grid/experiment.py (whose schema is Settings: lr and
batch_size are GridSearch fields, model.depth too; model.activation, model.dropout,
name and seed are plain fields), and the -c options of its run.

SAME: cases where experimaestro 2.7.0 and ours must generate the same configurations,
tags and jobs, or both refuse the input. DIFFERENT: cases where 2.7.0 does something
surprising that ours does not (see KNOWN in tests/test_compat_grid.py).
"""

SAME = {
    "no search space": "lr: 0.5\nbatch_size: 16\n",
    "inline list": "lr: [0.1, 0.01, 0.001]\n",
    "inline list of integers for a float field": "lr: [1, 2]\n",
    "block-style list": "batch_size:\n  - 16\n  - 32\n",
    "inline range": "batch_size: {range: [0, 3]}\n",
    "inline range with a step": "batch_size: {values_range: [16, 64, 10]}\n",
    "range_mult (YAML reads 1e-4 as a string)": "lr: {range_mult: [1e-4, 4, 10]}\n",
    "range_mult of integers": "batch_size: {values_mult: [1, 4, 2]}\n",
    "values_list and value keys": "lr: {values_list: [0.3, 0.4]}\nbatch_size: {value: 8}\n",
    "two inline spaces": "lr: [0.1, 0.2]\nbatch_size: [1, 2, 3]\n",
    "nested inline space": "model:\n  depth: [2, 4]\n",
    "grid_search block": ("lr: 0.01\ngrid_search:\n  lr: [0.1, 0.01]\n"
                          "  model.depth: [10, 20, 30]\n"),
    "block on plain fields": ("grid_search:\n  seed: {range: [0, 3]}\n"
                              "  model.activation: [relu, gelu]\n"
                              "  model.dropout: [0.1, 0.5]\n"),
    "block converts to the field type": "grid_search:\n  name: [1, 2]\n  seed: [1.0, 2.0]\n",
    "block scalar (set, not tagged)": "grid_search:\n  seed: 7\n  lr: [0.1, 0.2]\n",
    "block range_mult on a plain float": "grid_search:\n  model.dropout: {range_mult: [0.1, 3, 2]}\n",
    "block replaces an inline space in place": ("lr: [0.1, 0.2]\nbatch_size: [1, 2]\n"
                                                "grid_search:\n  lr: [0.3, 0.4, 0.5]\n"),
    "block spaces come after inline ones": ("batch_size: [1, 2]\ngrid_search:\n  seed: [7, 8]\n"
                                            "  lr: [0.3, 0.4]\n"),
    "config_dicts": ("grid_search:\n  config_dicts:\n"
                     "    - {lr: 0.01, batch_size: 16, seed: 1}\n"
                     "    - {lr: 0.001, batch_size: 64, seed: 1}\n"),
    "config_dicts with an inline space": ("lr: [0.1, 0.01]\ngrid_search:\n  config_dicts:\n"
                                          "    - {batch_size: 16, model.depth: 3}\n"
                                          "    - {batch_size: 64, model.depth: 5}\n"),
    "config_dicts with one mapping (set, not tagged)": (
        "grid_search:\n  config_dicts:\n    - {lr: 0.05, name: '3'}\n"),
    "-c override of a scalar": ("grid_search:\n  seed: [1, 2]\n", ["-c", "name=other"]),
    # refused by both
    "unknown path in the block": "grid_search:\n  modle.depth: [1, 2]\n",
    "unknown field in a nested configuration": "grid_search:\n  model.width: [1, 2]\n",
    "unknown key of a search space": "lr: {ranges: [0, 2]}\n",
    "config_dicts keys differ": ("grid_search:\n  config_dicts:\n    - {lr: 0.1}\n"
                                 "    - {batch_size: 2}\n"),
    "config_dicts also in the block": ("grid_search:\n  lr: [0.1, 0.2]\n  config_dicts:\n"
                                       "    - {lr: 0.05, batch_size: 16}\n"),
    "config_dicts not a list": "grid_search:\n  config_dicts: {lr: 0.1}\n",
    "range_mult of two values": "lr: {range_mult: [1, 4]}\n",
    "range of floats": "batch_size: {range: [0.5, 3]}\n",
    "range with a zero step": "batch_size: {range: [0, 3, 0]}\n",
    "empty list": "lr: []\n",
    "empty range": "batch_size: {range: [3, 0]}\n",
}

DIFFERENT = {
    "one-value list": "lr: [0.1]\n",
    "one-value range": "batch_size: {range: [5, 6]}\n",
    "integer for a GridSearch float": "lr: 1\n",
    "two forms in one search space": "lr: {values_list: [0.3, 0.4], range: [0, 2]}\n",
    "range_mult with a fractional n_iter": "lr: {range_mult: [1, 2.5, 10]}\n",
    "-c override of a search space": ("name: x\n", ["-c", "batch_size=[1, 2]"]),
}

CASES = {**SAME, **DIFFERENT}


def case(name):
    """(YAML body, extra run-experiment arguments) of a case."""
    value = CASES[name]
    return (value, []) if isinstance(value, str) else value
