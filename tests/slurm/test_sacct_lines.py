"""sacct lines naming array elements that never started (``123_[4-6,9%2]``): each
element gets the state (a whole array cancelled while some elements waited)."""

from experimaestro.launchers.slurm.poller import array_elements


def test_ranges_and_lists_of_elements():
    assert array_elements("1111_[1]") == ["1111_1"]
    assert array_elements("12_[4-6,9%2]") == ["12_4", "12_5", "12_6", "12_9"]


def test_plain_ids_and_unknown_forms_are_kept():
    assert array_elements("12_3") == ["12_3"]
    assert array_elements("12") == ["12"]
    assert array_elements("12_[x]") == ["12_[x]"]
