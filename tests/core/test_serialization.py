"""Serialization: save/load, serialize/deserialize, state_dict/from_state_dict,
SerializationContext, from_task_dir. The identifier survives every round trip."""

import json
from pathlib import Path

import pytest

from core import fixtures_configs as fx
from experimaestro import (
    SerializationContext,
    deserialize,
    from_state_dict,
    from_task_dir,
    load,
    save,
    sealed_set,
    serialize,
    state_dict,
)


def ident(cfg) -> str:
    return cfg.__identifier__().hex()


def make_root():
    leaf = fx.Leaf.C(x=1)
    shared = fx.Shared.C(v=3)
    return fx.Root.C(
        leaf=leaf,
        leaves=[leaf, fx.Leaf.C(x=2)],
        by_name={"a": leaf, "b": fx.Leaf.C(x=3)},
        color=fx.Color.GREEN,
        numbers=[1.5, float("inf"), -0.0],
        members=sealed_set(fx.Leaf.C(x=5), fx.Leaf.C(x=6)),
        where=Path("/data/elsewhere"),
        shared1=shared,
        shared2=shared,
    )


@pytest.fixture(autouse=True)
def clear_init_runs():
    fx.INIT_RUNS.clear()


# -- save / load ------------------------------------------------------------------------


def test_save_load_keeps_identifier_and_values(tmp_path):
    root = make_root()
    save(root, tmp_path / "saved")
    assert (tmp_path / "saved" / "experimaestro.json").is_file()
    loaded = load(tmp_path / "saved")
    assert type(loaded) is fx.Root.XPMConfig
    assert ident(loaded) == ident(root)
    assert loaded.color is fx.Color.GREEN
    assert loaded.numbers == [1.5, float("inf"), -0.0]
    assert loaded.where == Path("/data/elsewhere")
    assert loaded.label is None
    assert sorted(m.x for m in loaded.members) == [5, 6]
    assert loaded.by_name["b"].x == 3


def test_save_load_keeps_shared_objects_shared(tmp_path):
    root = make_root()
    save(root, tmp_path)
    loaded = load(tmp_path)
    assert loaded.leaf is loaded.leaves[0] is loaded.by_name["a"]
    assert loaded.shared1 is loaded.shared2


def test_instance_configs_stay_separate(tmp_path):
    root = make_root()
    root.shared2 = fx.Shared.C(v=3)  # equal but separate: another identifier
    assert ident(root) != ident(make_root())
    save(root, tmp_path)
    loaded = load(tmp_path)
    assert loaded.shared1 is not loaded.shared2
    assert ident(loaded) == ident(root)


def test_values_that_json_does_not_represent(tmp_path):
    misc = fx.Misc.C(
        with_default=None,  # explicitly None: hashed as None, unlike the default
        int_keys={2: "b", 1: "a"},
        enum_keys={fx.Color.RED: 1},
        pair=(3, 4),
        number=float("nan"),
        text="é\x00\n",
    )
    assert ident(misc) != ident(fx.Misc.C(int_keys={2: "b", 1: "a"}, enum_keys={fx.Color.RED: 1},
                                          number=float("nan"), text="é\x00\n"))
    save(misc, tmp_path)
    loaded = load(tmp_path)
    assert ident(loaded) == ident(misc)
    assert loaded.with_default is None
    assert loaded.int_keys == {2: "b", 1: "a"} and loaded.enum_keys == {fx.Color.RED: 1}
    assert loaded.pair == (3, 4)
    assert loaded.number != loaded.number  # nan
    assert loaded.text == "é\x00\n"


def test_cycles(tmp_path):
    a = fx.Misc.C(number=1.0)
    b = fx.Misc.C(number=2.0, next=a)
    a.next = b
    save(a, tmp_path)
    loaded = load(tmp_path)
    assert loaded.next.next is loaded and loaded.next.number == 2.0
    assert ident(loaded) == ident(a)
    instance = load(tmp_path, as_instance=True)
    assert instance.next.next is instance


def test_load_as_instance(tmp_path):
    save(make_root(), tmp_path)
    root = load(tmp_path, as_instance=True)
    assert type(root) is fx.Root
    assert type(root.leaf) is fx.Leaf and root.leaf is root.leaves[0]
    assert root.shared1 is root.shared2


def test_definition_filename(tmp_path):
    save(fx.Leaf.C(x=1), tmp_path, definition_filename="other.json")
    assert (tmp_path / "other.json").is_file()
    assert load(tmp_path, definition_filename="other.json").x == 1
    with pytest.raises(FileNotFoundError, match=r"no experimaestro\.json or definition\.json"
                       r" here; was it written by save\(\) or serialize\(\)\?"):
        load(tmp_path)


def test_load_falls_back_on_definition_json(tmp_path):
    save(fx.Leaf.C(x=2), tmp_path, definition_filename="definition.json")
    assert load(tmp_path).x == 2


def test_load_with_a_path_function(tmp_path):
    save(fx.Leaf.C(x=4), tmp_path)
    assert load(lambda name: tmp_path / name).x == 4


# -- DataPath -----------------------------------------------------------------------------


def make_data(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "file.txt").write_text("content")
    (source / "folder").mkdir()
    (source / "folder" / "a.txt").write_text("A")
    return fx.Data.C(data_file=source / "file.txt", data_folder=source / "folder")


def test_datapath_files_and_folders_are_copied(tmp_path):
    data = make_data(tmp_path)
    saved = tmp_path / "saved"
    save(fx.HasData.C(data=data), saved)
    # As 2.x: each file at the path of its field from the root (data.data_file)
    assert (saved / "data" / "data_file").read_text() == "content"
    assert (saved / "data" / "data_folder" / "a.txt").read_text() == "A"
    loaded = load(saved)
    assert loaded.data.data_file == saved / "data" / "data_file"
    assert loaded.data.data_folder.is_dir()
    assert ident(loaded) == ident(fx.HasData.C(data=data))


def test_datapath_survives_moving_the_save_directory(tmp_path):
    save(make_data(tmp_path), tmp_path / "saved")
    (tmp_path / "saved").rename(tmp_path / "moved")
    loaded = load(tmp_path / "moved")
    assert loaded.data_file.read_text() == "content"


def test_missing_datapath(tmp_path):
    data = fx.Data.C(data_file=tmp_path / "missing.txt", data_folder=tmp_path)
    with pytest.raises(FileNotFoundError, match=r"^Data\.data_file: the DataPath .*missing\.txt"
                       r" does not exist \(it would be copied into .*saved\)$"):
        save(data, tmp_path / "saved")


# -- serialize / deserialize --------------------------------------------------------------


def test_serialize_with_init_tasks(tmp_path):
    leaf = fx.Leaf.C(x=1)
    serialize(leaf, tmp_path, init_tasks=[fx.Init.C(value=7), fx.Init.C(value=8)])
    config, init_tasks = deserialize(tmp_path)
    assert ident(config) == ident(leaf)
    assert [t.value for t in init_tasks] == [7, 8]
    assert fx.INIT_RUNS == []  # not run when loading configurations


def test_deserialize_as_instance_runs_init_tasks(tmp_path):
    serialize(fx.Leaf.C(x=1), tmp_path, init_tasks=[fx.Init.C(value=7), fx.Init.C(value=8)])
    instance = deserialize(tmp_path, as_instance=True)
    assert type(instance) is fx.Leaf and instance.x == 1
    assert fx.INIT_RUNS == [7, 8]


def test_save_is_serialize_without_init_tasks(tmp_path):
    save(fx.Leaf.C(x=1), tmp_path)
    config, init_tasks = deserialize(tmp_path)
    assert config.x == 1 and init_tasks == []


# -- state_dict / from_state_dict -------------------------------------------------------------


def test_state_dict_round_trip():
    root = make_root()
    state = state_dict(SerializationContext(), root)
    assert set(state) == {"objects", "data"}
    json.dumps(state)  # JSON compatible
    loaded = from_state_dict(json.loads(json.dumps(state)))
    assert ident(loaded) == ident(root)
    instance = from_state_dict(state, as_instance=True)
    assert type(instance) is fx.Root and instance.leaf is instance.leaves[0]


def test_state_dict_of_a_list_of_configs():
    configs = [fx.Leaf.C(x=1), fx.Leaf.C(x=2)]
    loaded = from_state_dict(state_dict(SerializationContext(), configs))
    assert [ident(c) for c in loaded] == [ident(c) for c in configs]


def test_state_dict_with_a_save_directory(tmp_path):
    data = make_data(tmp_path)
    context = SerializationContext(save_directory=tmp_path / "saved")
    state = state_dict(context, data)
    assert (tmp_path / "saved" / "data_file").read_text() == "content"
    loaded = from_state_dict(state, tmp_path / "saved")
    assert loaded.data_file == tmp_path / "saved" / "data_file"
    assert ident(loaded) == ident(data)


# -- SerializationContext -----------------------------------------------------------------------


def test_serialization_context(tmp_path):
    (tmp_path / "f.txt").write_text("x")
    context = SerializationContext(save_directory=tmp_path / "out")
    assert context.depth == 0
    serialized = context.serialize(["a", "b"], tmp_path / "f.txt", None)
    assert serialized.path == Path("a/b") and not serialized.is_folder
    assert (tmp_path / "out" / "a" / "b").read_text() == "x"
    with pytest.raises(ValueError, match=r"two data files would be saved as a/b"):
        context.serialize(["a", "b"], tmp_path / "f.txt", None)


def test_serialization_context_without_save_directory(tmp_path):
    (tmp_path / "d").mkdir()
    serialized = SerializationContext().serialize(["a"], tmp_path / "d", None)
    assert serialized.path == tmp_path / "d" and serialized.is_folder


# -- tasks: outputs, init tasks, from_task_dir ---------------------------------------------------


def test_task_output_round_trip(tmp_path, generate_xp):
    trained = fx.Train.C(size=3).submit()
    evaluate = fx.Evaluate.C(trained=trained)
    save(trained, tmp_path / "trained")
    loaded = load(tmp_path / "trained")
    assert loaded.__xpm__.task is not None
    assert ident(loaded) == ident(trained)
    save(evaluate, tmp_path / "evaluate")
    assert ident(load(tmp_path / "evaluate")) == ident(evaluate)


def test_task_with_init_tasks_round_trip(tmp_path, generate_xp):
    writer = fx.Writer.C(x=1)
    writer.submit(init_tasks=[fx.Init.C(value=1)])
    assert ident(writer) != ident(fx.Writer.C(x=1))  # init tasks are part of the identifier
    save(writer, tmp_path / "saved")
    loaded = load(tmp_path / "saved")
    assert ident(loaded) == ident(writer)
    assert loaded.out == writer.out


def test_from_task_dir(generate_xp):
    writer = fx.Writer.C(x=3)
    writer.submit(init_tasks=[fx.Init.C(value=2)])
    evaluate = fx.Evaluate.C(trained=fx.Train.C(size=2).submit(), writer=writer)
    evaluate.submit()

    loaded = from_task_dir(writer.jobpath)
    assert type(loaded) is fx.Writer.XPMConfig
    assert ident(loaded) == ident(writer)
    assert loaded.out == writer.jobpath / "out.txt"

    loaded = from_task_dir(evaluate.jobpath)
    assert ident(loaded) == ident(evaluate)
    assert ident(loaded.trained) == ident(evaluate.trained)
    assert loaded.writer.out == writer.out


def test_from_task_dir_as_instance(generate_xp):
    writer = fx.Writer.C(x=3)
    writer.submit()
    instance = from_task_dir(writer.jobpath, as_instance=True)
    assert type(instance) is fx.Writer
    assert instance.x == 3 and instance.out == writer.jobpath / "out.txt"


def test_from_task_dir_refuses_newer_params(tmp_path):
    (tmp_path / "params.json").write_text(json.dumps({"version": 99, "objects": []}))
    with pytest.raises(ValueError, match=r"params\.json version 99 is newer than the versions"
                       r" this experimaestro reads \(up to 3\)"):
        from_task_dir(tmp_path)


def test_unknown_class_on_load(tmp_path):
    save(fx.Leaf.C(x=1), tmp_path)
    definition = tmp_path / "experimaestro.json"
    content = json.loads(definition.read_text())
    content["objects"][0]["type"] = "Vanished"
    definition.write_text(json.dumps(content))
    with pytest.raises(ImportError, match=r"core\.fixtures_configs has no class Vanished"):
        load(tmp_path)


def _hide_producer(folder: Path):
    """Make the producing task's class unimportable (as on a machine without the training
    code)."""
    definition = folder / "experimaestro.json"
    content = json.loads(definition.read_text())
    for record in content["objects"]:
        if record["type"] == "Train":
            record["module"] = "no_such_module_here"
    definition.write_text(json.dumps(content))


def test_partial_loading_skips_the_producing_task(tmp_path, generate_xp):
    trained = fx.Train.C(size=3).submit()
    save(trained, tmp_path / "trained")
    _hide_producer(tmp_path / "trained")
    # Instances load without the task (partial loading is their default)
    instance = load(tmp_path / "trained", as_instance=True)
    assert instance.model.size == 3 and instance.path == Path("/trained")
    loaded = load(tmp_path / "trained", partial_loading=True)
    assert loaded.model.size == 3 and loaded.__xpm__.task is None
    # A full load imports every class
    with pytest.raises(ImportError, match="no_such_module_here"):
        load(tmp_path / "trained")
    with pytest.raises(ImportError, match="no_such_module_here"):
        load(tmp_path / "trained", as_instance=True, partial_loading=False)


def test_partial_loading_keeps_tasks_used_as_parameters(tmp_path, generate_xp):
    writer = fx.Writer.C(x=3)
    writer.submit()
    evaluate = fx.Evaluate.C(trained=fx.Train.C(size=2).submit(), writer=writer)
    evaluate.submit()
    loaded = from_task_dir(evaluate.jobpath, partial_loading=True)
    assert loaded.writer.out == writer.out  # a parameter: loaded
    assert loaded.trained.__xpm__.task is None  # only the producer of an output: skipped
    full = from_task_dir(evaluate.jobpath)
    assert ident(full) == ident(evaluate) and full.trained.__xpm__.task is not None
