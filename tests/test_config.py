from pathlib import Path

import pytest

from biofm.config import Settings, load_settings


def test_defaults_when_nothing_is_set(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("BIOFM_CONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    for var in ("BIOFM_DEVICE", "BIOFM_BATCH_SIZE", "BIOFM_DB_URL"):
        monkeypatch.delenv(var, raising=False)
    s = load_settings()
    assert s.device == "auto" and s.batch_size == 0 and s.max_tokens == 0  # 0: the device's engine limits
    assert s.database_url == f"sqlite:///{tmp_path / '.biofm' / 'biofm.db'}"


def test_precedence_flag_over_env_over_file(monkeypatch, tmp_path):
    cfg = tmp_path / "biofm.toml"
    cfg.write_text('device = "cpu"\nbatch_size = 8\nmax_upload_rows = 100\ndb_url = "sqlite:///x.db"\n')
    monkeypatch.setenv("BIOFM_CONFIG", str(cfg))
    monkeypatch.setenv("BIOFM_BATCH_SIZE", "16")
    s = load_settings()
    assert (s.device, s.batch_size, s.max_upload_rows, s.db_url) == ("cpu", 16, 100, "sqlite:///x.db")
    assert load_settings(batch_size=4).batch_size == 4


def test_model_dirs_from_env_are_split_on_pathsep(monkeypatch, tmp_path):
    monkeypatch.setenv("BIOFM_MODEL_DIRS", f"{tmp_path / 'a'}:{tmp_path / 'b'}")
    assert load_settings().model_dirs == (tmp_path / "a", tmp_path / "b")


@pytest.mark.parametrize("bad,match", [({"device": "tpu"}, "device"), ({"batch_size": "many"}, "integer"),
                                       ({"batch_size": -1}, "0 \\(the device's default\\) or more")])
def test_bad_values_are_refused_with_the_setting_named(bad, match):
    with pytest.raises(ValueError, match=match):
        load_settings(**bad)


def test_unknown_key_in_file_is_refused(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('devise = "cpu"\n')
    with pytest.raises(ValueError, match="devise"):
        load_settings(config_file=cfg)


def test_settings_is_immutable():
    with pytest.raises(Exception):
        Settings().device = "cpu"  # type: ignore[misc]
    assert Path(Settings().data_dir).name == ".biofm"
