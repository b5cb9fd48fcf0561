"""Settings stored in a JSON file (used by client packages such as datamaestro).

A subclass may set ``SCHEMA`` to a schema class with ``loads(text)`` and ``dumps(obj)``
(a marshmallow Schema, for instance); without one, the public attributes of the object are
written as JSON and read back as attributes.
"""

import json
from pathlib import Path

__all__ = ["JsonSettings"]


class JsonSettings:
    """Settings loaded from, and saved to, ``self.path``."""

    SCHEMA = None
    path: Path

    @classmethod
    def load(cls, path: Path):
        """The settings stored at `path`, or default settings when the file does not exist."""
        path = Path(path)
        if path.is_file():
            text = path.read_text()
            if cls.SCHEMA is not None:
                settings = cls.SCHEMA().loads(text)
            else:
                try:
                    data = json.loads(text)
                except json.JSONDecodeError as e:
                    raise ValueError(f"{path}: not valid JSON ({e})") from None
                if not isinstance(data, dict):
                    raise ValueError(f"{path}: expected a JSON object, got {type(data).__name__}")
                settings = cls()
                for key, value in data.items():
                    setattr(settings, key, value)
        else:
            settings = cls()
        settings.path = path
        return settings

    def save(self):
        """Write the settings (the folder is created if needed; the file is replaced
        atomically, so a crash never leaves half a file)."""
        if self.SCHEMA is not None:
            text = self.SCHEMA().dumps(self)
        else:
            data = {k: v for k, v in vars(self).items() if k != "path" and not k.startswith("_")}
            text = json.dumps(data, indent=2, default=str)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(text)
        tmp.replace(self.path)
