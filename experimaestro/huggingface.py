"""Sharing configurations (and their DataPath files) on the HuggingFace Hub.

``ExperimaestroHFHub(config).save_pretrained(folder)`` / ``.push_to_hub(repo_id)`` store a
configuration as :func:`experimaestro.serialize` does (``experimaestro.json`` and the
DataPath files); ``ExperimaestroHFHub.from_pretrained(repo_id or folder)`` loads it back,
downloading only the files the configuration refers to. Needs ``huggingface_hub``
(``pip install 'experimaestro[huggingface]'``).
"""

import os
from pathlib import Path
from typing import Union

try:
    from huggingface_hub import ModelHubMixin, hf_hub_download, snapshot_download
except ImportError as e:  # pragma: no cover - depends on the environment
    raise ImportError(
        "experimaestro.huggingface needs the huggingface_hub package: pip install"
        f" 'experimaestro[huggingface]' (or huggingface_hub) ({e})"
    ) from e

from experimaestro.core.context import SerializationContext, SerializedPath
from experimaestro.core.information import ConfigInformation

__all__ = ["ExperimaestroHFHub"]


def _as_serialized(path: Union[Path, str, SerializedPath]) -> SerializedPath:
    return path if isinstance(path, SerializedPath) else SerializedPath(Path(path), False)


class ExperimaestroHFHub(ModelHubMixin):
    """A configuration that can be saved to, and loaded from, the Hub.

    Subclasses may change ``definition_filename`` (the JSON file describing the
    configuration) and ``serialization_context_class`` (how DataPath files are stored).
    """

    definition_filename: str = "experimaestro.json"
    serialization_context_class = SerializationContext

    def __init__(self, config):
        # (the parameter is named `config`: the Hub mixin treats that name specially)
        self.config = config

    def _save_pretrained(self, save_directory: Union[str, Path]):
        if self.config is None:
            raise ValueError(f"{type(self).__name__}: no configuration to save")
        save_directory = Path(save_directory)
        context = self.serialization_context_class(save_directory=save_directory)
        self.config.__xpm__.serialize(save_directory, self.definition_filename,
                                      context=context)

    @classmethod
    def _from_pretrained(cls, model_id, revision=None, cache_dir=None, force_download=False,
                         proxies=None, resume_download=None, local_files_only=False,
                         token=None, *, as_instance: bool = False, **model_kwargs):
        """The configuration stored in a local folder or a Hub repository (as in 2.x), or
        its instance with `as_instance=True` (its init tasks run first).
        (`proxies` and `resume_download` are accepted for older callers and ignored: recent
        huggingface_hub versions configure them globally.)"""
        if os.path.isdir(model_id):
            folder = Path(model_id)

            def loader(path):
                return folder / _as_serialized(path).path
        else:
            options = dict(revision=revision, cache_dir=cache_dir, token=token,
                           local_files_only=local_files_only)

            def loader(path):
                stored = _as_serialized(path)
                if stored.is_folder:
                    root = snapshot_download(repo_id=model_id,
                                             allow_patterns=f"{stored.path}/**", **options)
                    return Path(root) / stored.path
                return Path(hf_hub_download(repo_id=model_id, filename=str(stored.path),
                                            force_download=force_download, **options))

        return ConfigInformation.deserialize(loader, as_instance=as_instance,
                                             partial_loading=True,
                                             definition_filename=cls.definition_filename)
