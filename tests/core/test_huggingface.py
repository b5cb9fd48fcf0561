"""ExperimaestroHFHub: configurations with their DataPath files, through the Hub format
(a local folder here: the machine has no access to the Hub)."""

from pathlib import Path

import pytest

pytest.importorskip("huggingface_hub")

from experimaestro import Config, DataPath, LightweightTask, Param  # noqa: E402
from experimaestro.core.context import SerializedPath  # noqa: E402
from experimaestro.huggingface import ExperimaestroHFHub  # noqa: E402


class Vocabulary(Config):
    words: DataPath


class Embeddings(Config):
    dim: Param[int]
    vocabulary: Param[Vocabulary]
    weights: DataPath

    def __post_init__(self):
        self.loaded = Path(self.weights).read_text()


def _model(tmp_path):
    (tmp_path / "vocab").mkdir()
    (tmp_path / "vocab" / "words.txt").write_text("a b c")
    (tmp_path / "weights.bin").write_text("0.1 0.2")
    return Embeddings.C(dim=2, vocabulary=Vocabulary.C(words=tmp_path / "vocab"),
                        weights=tmp_path / "weights.bin")


def test_save_and_load_a_configuration_with_its_files(tmp_path):
    model = _model(tmp_path)
    hub = ExperimaestroHFHub(model)
    hub.save_pretrained(tmp_path / "saved")
    assert (tmp_path / "saved" / "experimaestro.json").exists()
    # as in 2.x (xpmir checks it): the configuration, or the instance
    loaded = ExperimaestroHFHub.from_pretrained(tmp_path / "saved")
    assert isinstance(loaded, Embeddings)
    assert loaded.__xpm__ is not None  # a configuration, not an instance
    assert loaded.__identifier__() == model.__identifier__()
    assert Path(loaded.weights).read_text() == "0.1 0.2"
    assert Path(loaded.weights).is_relative_to(tmp_path / "saved")
    assert (Path(loaded.vocabulary.words) / "words.txt").read_text() == "a b c"
    instance = ExperimaestroHFHub.from_pretrained(str(tmp_path / "saved"), as_instance=True)
    assert instance.loaded == "0.1 0.2"


def test_subclasses_choose_the_definition_file(tmp_path):
    class MyHub(ExperimaestroHFHub):
        definition_filename = "model.json"

    MyHub(_model(tmp_path)).save_pretrained(tmp_path / "saved")
    assert (tmp_path / "saved" / "model.json").exists()
    assert MyHub.from_pretrained(tmp_path / "saved").dim == 2
    with pytest.raises(FileNotFoundError):
        ExperimaestroHFHub.from_pretrained(tmp_path / "saved")


def test_loaders_accept_serialized_paths(tmp_path):
    """Client packages call the data loader with SerializedPath objects or strings."""
    from experimaestro.core.information import ConfigInformation

    model = _model(tmp_path)
    model.__xpm__.serialize(tmp_path / "saved")
    calls = []

    def loader(path):
        calls.append(type(path).__name__)
        p = path.path if isinstance(path, SerializedPath) else Path(path)
        return tmp_path / "saved" / p

    loaded = ConfigInformation.deserialize(loader)
    assert loaded.dim == 2 and calls


class Scale(LightweightTask):
    factor: Param[int]

    def execute(self):
        LOG.append(self.factor)


LOG = []


def test_configinformation_deserialize_returns_what_2x_returns(tmp_path):
    """ConfigInformation.deserialize (2.x's method, which ExperimaestroHFHub and xpm_torch
    call): the configuration; (configuration, init tasks) with return_tasks; the instance
    after its init tasks with as_instance."""
    from experimaestro import serialize
    from experimaestro.core.information import ConfigInformation

    model = _model(tmp_path)
    serialize(model, tmp_path / "saved", init_tasks=[Scale.C(factor=3)])
    loaded = ConfigInformation.deserialize(tmp_path / "saved")
    assert isinstance(loaded, Embeddings) and loaded.dim == 2
    loaded, init_tasks = ConfigInformation.deserialize(tmp_path / "saved", return_tasks=True)
    assert loaded.dim == 2 and [t.factor for t in init_tasks] == [3]
    LOG.clear()
    instance = ConfigInformation.deserialize(tmp_path / "saved", as_instance=True)
    assert instance.loaded == "0.1 0.2" and LOG == [3]
    with pytest.raises(ValueError, match="as_instance and return_tasks exclude each other"):
        ConfigInformation.deserialize(tmp_path / "saved", as_instance=True, return_tasks=True)
