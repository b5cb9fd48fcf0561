"""`experimaestro workspaces list`, with -v (every setting of each workspace, as 2.x)."""

import json

import yaml

from .helpers import out, xpm

SETTINGS = """\
workspaces:
  - id: main
    path: {main}
    env:
      HF_HOME: /data/hf
    max_retries: 5
  - id: scratch
    path: {scratch}
    alt_workspaces: [main]
"""


def _config(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (tmp_path / "main").mkdir()
    (config / "settings.yaml").write_text(
        SETTINGS.format(main=tmp_path / "main", scratch=tmp_path / "scratch"))
    return config


def test_verbose_lists_every_setting(tmp_path):
    config = _config(tmp_path)
    result = xpm("workspaces", "list", "-v", cwd=tmp_path, config_dir=config)
    assert result.returncode == 0, out(result)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["main", str(tmp_path / "main"), "(default)"]
    scratch = next(i for i, line in enumerate(lines) if line.startswith("scratch "))
    assert lines[scratch].split() == ["scratch", str(tmp_path / "scratch"), "(missing)"]
    # Under each line, its settings as indented YAML, defaults included (a subset: the
    # settings may grow), not the id and path of the line
    main = yaml.safe_load("\n".join(line[4:] for line in lines[1:scratch]))
    assert {"env": {"HF_HOME": "/data/hf"}, "alt_workspaces": [], "max_retries": 5}.items() \
        <= main.items()
    other = yaml.safe_load("\n".join(line[4:] for line in lines[scratch + 1:]))
    assert {"env": {}, "alt_workspaces": ["main"], "max_retries": 3}.items() <= other.items()
    assert not {"id", "path"} & (main.keys() | other.keys())
    assert xpm("workspaces", "list", "--verbose", cwd=tmp_path,
               config_dir=config).stdout == result.stdout


def test_without_verbose_one_line_each(tmp_path):
    config = _config(tmp_path)
    result = xpm("workspaces", "list", cwd=tmp_path, config_dir=config)
    assert result.returncode == 0, out(result)
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["main", "scratch"]


def test_verbose_json_has_the_settings(tmp_path):
    config = _config(tmp_path)
    plain = json.loads(xpm("workspaces", "list", "--json", cwd=tmp_path,
                           config_dir=config).stdout)
    assert all("settings" not in row for row in plain)
    rows = json.loads(xpm("workspaces", "list", "--json", "-v", cwd=tmp_path,
                          config_dir=config).stdout)
    assert rows[0]["settings"]["max_retries"] == 5
    assert rows[1]["settings"]["alt_workspaces"] == ["main"]
