"""Utilities: setmeta, sealed_set, cache, initializer."""

import pytest

from experimaestro import Config, Meta, Param, cache, initializer, sealed_set, setmeta


def ident(cfg):
    return cfg.__identifier__().hex()


class Model(Config):
    lr: Param[float]


class Ensemble(Config):
    model1: Param[Model]
    model2: Param[Model]


class Members(Config):
    models: Param[set[Model]]


class Listed(Config):
    models: Param[list[Model]]


class WithMeta(Config):
    model: Meta[Model]


# -- setmeta ----------------------------------------------------------------------------


def test_setmeta_returns_the_config():
    model = Model.C(lr=0.1)
    assert setmeta(model, True) is model
    assert model.__xpm__.meta is True


def test_setmeta_refuses_other_values():
    with pytest.raises(TypeError, match=r"^setmeta\(\): expected a configuration, got int 3$"):
        setmeta(3, True)


def test_setmeta_true_removes_a_config_from_the_identifier():
    a = Ensemble.C(model1=Model.C(lr=0.1), model2=setmeta(Model.C(lr=0.2), True))
    b = Ensemble.C(model1=Model.C(lr=0.1), model2=setmeta(Model.C(lr=0.3), True))
    c = Ensemble.C(model1=Model.C(lr=0.1), model2=Model.C(lr=0.2))
    assert ident(a) == ident(b) != ident(c)


def test_setmeta_true_in_a_list():
    with_meta = Listed.C(models=[Model.C(lr=0.1), setmeta(Model.C(lr=0.2), True)])
    assert ident(with_meta) == ident(Listed.C(models=[Model.C(lr=0.1)]))


def test_setmeta_false_makes_a_meta_field_count():
    plain = WithMeta.C(model=Model.C(lr=0.1))
    assert ident(plain) == ident(WithMeta.C(model=Model.C(lr=0.2)))
    forced = WithMeta.C(model=setmeta(Model.C(lr=0.1), False))
    assert ident(forced) != ident(plain)
    assert ident(forced) != ident(WithMeta.C(model=setmeta(Model.C(lr=0.2), False)))


# -- sealed_set ----------------------------------------------------------------------------


def test_sealed_set_seals_and_hashes_configs():
    a, b = Model.C(lr=0.1), Model.C(lr=0.2)
    members = sealed_set(a, b, 3)
    assert isinstance(members, set) and len(members) == 3
    assert a.__xpm__.sealed and b.__xpm__.sealed
    assert a.__xpm__._identifier is not None  # identifier computed and cached


def test_sealed_set_collapses_equal_configs():
    assert len(sealed_set(Model.C(lr=0.1), Model.C(lr=0.1))) == 1


def test_set_identifier_does_not_depend_on_order():
    first = Members.C(models=sealed_set(Model.C(lr=0.1), Model.C(lr=0.2)))
    second = Members.C(models=sealed_set(Model.C(lr=0.2), Model.C(lr=0.1)))
    assert ident(first) == ident(second)
    assert ident(first) != ident(Members.C(models=sealed_set(Model.C(lr=0.1))))


def test_sealed_set_of_an_incomplete_config():
    with pytest.raises(TypeError, match=r"^sealed_set\(\): element 1 \(Model\) cannot be sealed:"
                       r" missing required parameter\(s\): Model\.lr$"):
        sealed_set(Model.C(lr=0.1), Model.C())


def test_plain_set_of_unsealed_configs_is_refused():
    with pytest.raises(TypeError, match="unhashable unsealed configuration Model"):
        {Model.C(lr=0.1)}


# -- initializer ----------------------------------------------------------------------------


class Loader(Config):
    n: Param[int]

    @initializer
    def data(self):
        self.calls = getattr(self, "calls", 0) + 1
        return list(range(self.n))


def test_initializer_runs_once_per_object():
    loader = Loader.C(n=3).instance()
    first = loader.data()
    assert first == [0, 1, 2]
    assert loader.data() is first
    assert loader.calls == 1


def test_initializer_is_per_object():
    a, b = Loader.C(n=1).instance(), Loader.C(n=2).instance()
    assert (a.data(), b.data()) == ([0], [0, 1])
    assert a.calls == b.calls == 1


def test_initializer_keeps_the_method_name():
    assert Loader.data.__name__ == "data"


# -- cache ----------------------------------------------------------------------------------


class Processed(Config):
    n: Param[int]

    @cache("values.txt")
    def values(self, path):
        if path.exists():
            return "cached", path.read_text()
        path.write_text(str(self.n * 2))
        return "computed", path.read_text()


def test_cache_outside_a_workspace():
    with pytest.raises(RuntimeError, match=r"@cache needs a workspace: call it inside a task or"
                       " an experiment"):
        Processed.C(n=1).values()


def test_cache_path_is_keyed_by_identifier(generate_xp):
    cfg = Processed.C(n=2)
    assert cfg.values() == ("computed", "4")
    # Another config with the same identifier (here an instance) reads the cache
    assert Processed.C(n=2).instance().values() == ("cached", "4")
    assert Processed.C(n=3).values() == ("computed", "6")
    folder = generate_xp.workspace.path / "config" / ident(cfg)
    assert (folder / "values.txt").read_text() == "4"
