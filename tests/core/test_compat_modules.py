"""Names that client packages import from experimaestro 2.x module paths, and how they
behave (see tests/test_client_surface.py for the import surface itself)."""

import json
from pathlib import Path
from typing import List, Optional

import pytest

import experimaestro
from experimaestro import (
    Annotated,
    Choices,
    Config,
    Meta,
    OptionalDataPath,
    Param,
    PathGenerator,
    PathSerializationLWTask,
    SerializationLWTask,
    ValidationError,
    field,
)


class Index(Config):
    stemmer: Annotated[str, Choices(["porter", "krovetz", "none"])] = "porter"
    levels: Param[Annotated[int, Choices([1, 2, 3])]] = 1


def test_choices_accept_listed_values():
    assert Index.C(stemmer="krovetz").stemmer == "krovetz"
    assert Index.C().__xpm__.values["stemmer"] == "porter"


def test_choices_refuse_other_values_when_set_and_at_seal():
    with pytest.raises(ValidationError, match=r"^Index.stemmer: expected one of 'porter',"
                       r" 'krovetz', 'none', got str 'snowball'$"):
        Index.C(stemmer="snowball")
    index = Index.C()
    with pytest.raises(ValidationError, match=r"Index.levels: expected one of 1, 2, 3, got int 7"):
        index.levels = 7


def test_choices_check_the_declared_default():
    with pytest.raises(ValidationError, match=r"Bad.mode: expected one of 'a', 'b', got str 'c'"
                       r" in the default value of the declaration"):
        class Bad(Config):
            mode: Param[Annotated[str, Choices(["a", "b"])]] = "c"

        Bad.C()  # (classes are analysed when first used)


def test_an_annotated_checker_declares_a_parameter_as_in_experimaestro_2():
    """`x: Annotated[str, Choices(...)]` (no Param) is a parameter; digest computed with
    experimaestro 2.7.0 for the same class (defined in __main__ there)."""

    class Stemmed(Config):
        __xpmid__ = "__main__.index"
        stemmer: Annotated[str, Choices(["porter", "krovetz", "none"])] = "porter"
        k: Param[int] = 1

    assert list(Stemmed.__xpmtype__.arguments) == ["stemmer", "k"]
    assert Stemmed.C(stemmer="krovetz").__identifier__().hex() == (
        "8b2f5a8a5f7858c4c0b59a91c2a92355beb59ed21faf53ab1258d8f66d2279a0")


def test_choices_do_not_change_identifiers():
    class Plain(Config):
        __xpmid__ = "compat.index"
        stemmer: Param[str] = "porter"
        levels: Param[int] = 1

    class Checked(Config):
        __xpmid__ = "compat.index"
        stemmer: Annotated[str, Choices(["porter", "krovetz"])] = "porter"
        levels: Param[Annotated[int, Choices([1, 2])]] = 1

    assert Plain.C(levels=2).__identifier__() == Checked.C(levels=2).__identifier__()


def test_optional_data_path(tmp_path):
    class Stored(Config):
        path: OptionalDataPath

    assert Stored.C().path is None
    assert Stored.__xpmtype__.arguments["path"].is_data
    assert Stored.C(path=tmp_path).path == tmp_path


def test_serialization_lwtask_identifiers_match_experimaestro_2():
    """Digest computed with experimaestro 2.7.0 for the same classes (defined in
    __main__ there)."""

    class M(Config):
        __xpmid__ = "__main__.m"
        x: Param[int]

    class L(PathSerializationLWTask):
        __xpmid__ = "__main__.l"

        def execute(self):
            self.register(self.value)

    task = L.C(value=M.C(x=1), path="/tmp")
    assert task.__identifier__().hex() == (
        "5965f954e0febdfcd710f84a82c1d3adb1b0e1c326b2b6ee8be5ef7a29701396")
    instance = task.instance()
    assert instance.registered == []
    instance.execute()
    assert instance.registered == [instance.value]
    assert issubclass(PathSerializationLWTask, SerializationLWTask)
    assert PathSerializationLWTask.__xpmtype__.arguments["path"].is_data


def test_clone_makes_new_unsealed_configurations():
    from experimaestro.core.objects.config import clone

    class Leaf(Config):
        x: Param[int]
        out: Meta[Path] = field(default_factory=PathGenerator("leaf"))

    class Tree(Config):
        leaves: Param[List[Leaf]]
        named: Param[dict]
        extra: Param[Optional[Leaf]] = None

    tree = Tree.C(leaves=[Leaf.C(x=1)], named={"a": Leaf.C(x=2)})
    tree.__xpm__.seal()
    copy = clone(tree)
    assert copy is not tree and not copy.__xpm__.sealed
    assert copy.leaves[0] is not tree.leaves[0] and copy.leaves[0].x == 1
    assert copy.named["a"].x == 2
    assert copy.__identifier__() == tree.__identifier__()
    assert clone(None) is None and clone((1, "a")) == (1, "a")
    with pytest.raises(TypeError, match="clone: cannot clone a value of type object"):
        clone(object())


def test_cleanupdir_empties_a_folder_and_keeps_link_targets(tmp_path):
    from experimaestro.utils import cleanupdir

    folder = tmp_path / "f"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.txt").write_text("a")
    (folder / "b.txt").write_text("b")
    target = tmp_path / "kept"
    target.mkdir()
    (target / "c.txt").write_text("c")
    (folder / "link").symlink_to(target)
    assert cleanupdir(folder) == folder
    assert list(folder.iterdir()) == []
    assert (target / "c.txt").exists()
    assert cleanupdir(tmp_path / "new").is_dir()


def test_json_settings_without_schema(tmp_path):
    from experimaestro.utils.settings import JsonSettings

    class Prefs(JsonSettings):
        def __init__(self):
            self.keys = {}

    path = tmp_path / "cfg" / "prefs.json"
    prefs = Prefs.load(path)
    assert prefs.keys == {} and prefs.path == path
    prefs.keys["token"] = "abc"
    prefs.save()
    assert json.loads(path.read_text()) == {"keys": {"token": "abc"}}
    assert Prefs.load(path).keys == {"token": "abc"}
    path.write_text("[1]")
    with pytest.raises(ValueError, match="expected a JSON object, got list"):
        Prefs.load(path)


def test_json_settings_with_a_schema(tmp_path):
    """The schema interface datamaestro uses (marshmallow: SCHEMA().loads / .dumps)."""
    from experimaestro.utils.settings import JsonSettings

    class Schema:
        def loads(self, text):
            settings = Agreements()
            settings.agreed = json.loads(text)["agreed"]
            return settings

        def dumps(self, obj):
            return json.dumps({"agreed": obj.agreed})

    class Agreements(JsonSettings):
        SCHEMA = Schema

        def __init__(self):
            self.agreed = []

    path = tmp_path / "agreements.json"
    settings = Agreements.load(path)
    settings.agreed.append("license")
    settings.save()
    assert Agreements.load(path).agreed == ["license"]


def test_annotations_module():
    from experimaestro import annotations

    assert annotations.tags is experimaestro.tags
    assert annotations.cache is experimaestro.cache
    assert annotations.tag is experimaestro.tag


def test_core_objects_and_context_modules():
    from experimaestro.core.context import SerializationContext, SerializedPath
    from experimaestro.core.objects import Config as ObjConfig
    from experimaestro.core.objects import ConfigInformation, ConfigMixin

    assert ObjConfig is Config and ConfigMixin is experimaestro.ConfigMixin
    assert isinstance(Index.C().__xpm__, ConfigInformation)
    assert SerializationContext is experimaestro.SerializationContext
    assert SerializedPath("a/b", True).path == Path("a/b")


def test_taskglobals_is_reachable_as_an_attribute():
    assert experimaestro.taskglobals.Env.instance() is not None


def test_documentation_decorator():
    from experimaestro.mkdocs.annotations import shoulddocument

    class Documented(Config):
        @experimaestro.documentation
        def shown(self):
            pass

        def hidden(self):
            pass

    assert shoulddocument(Documented.shown) and not shoulddocument(Documented.hidden)
