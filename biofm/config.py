"""Settings: CLI flag > env var ``BIOFM_*`` > TOML config file > default."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent
SHIPPED_MODELS_DIR = PROJECT_ROOT / "assets" / "models"
EXAMPLES_DIR = PROJECT_ROOT / "assets" / "examples"

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
PHI_GATES = ("require", "warn", "off")


@dataclass(frozen=True)
class Settings:
    device: str = "auto"
    precision: str = "auto"
    data_dir: Path = field(default_factory=lambda: Path.home() / ".biofm")
    db_url: str = ""
    model_dirs: tuple[Path, ...] = ()
    batch_size: int = 0  # rows per batch; 0: the device's default (biofm.inference.engine_limits)
    max_tokens: int = 0  # padded tokens per batch; 0: the device's default
    max_upload_rows: int = 10_000
    max_upload_mb: int = 50
    max_zip_members: int = 10_000
    max_doc_chars: int = 1_000_000  # a longer document is a row error (memory), never read in full
    phi_gate: str = "warn"  # require: identified input is refused; warn: de-identified first (said so); off: no scan
    phi_allow: str = ""  # the site's allow list (terms never flagged); "": <data dir>/phi/allow.txt
    phi_deny: str = ""  # the deny list (terms always flagged); "": <data dir>/phi/deny.txt
    phi_roster: str = ""  # known patients' names and record numbers (always flagged); "": <data dir>/phi/roster.txt
    curators: tuple[str, ...] = ()  # signed-in users (e-mails) who see every reviewer's decisions and adjudicate

    def __post_init__(self) -> None:
        if self.device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, got {self.device!r}")
        if self.phi_gate not in PHI_GATES:
            raise ValueError(f"phi_gate must be one of {PHI_GATES}, got {self.phi_gate!r}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {self.precision!r}")
        if self.batch_size < 0 or self.max_tokens < 0:
            raise ValueError("batch_size and max_tokens must be 0 (the device's default) or more")
        if self.max_upload_rows < 1:
            raise ValueError("max_upload_rows must be at least 1")

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{Path(self.data_dir) / 'biofm.db'}"


def _coerce(name: str, value: Any) -> Any:
    kinds = {f.name: f.type for f in fields(Settings)}
    kind = kinds[name]
    if name == "data_dir":
        return Path(value).expanduser()
    if name == "model_dirs":
        if isinstance(value, str):
            value = [v for v in value.split(os.pathsep) if v]
        return tuple(Path(v).expanduser() for v in value)
    if name == "curators":
        if isinstance(value, str):
            value = value.split(",")
        return tuple(v.strip() for v in value if str(v).strip())
    if "int" in str(kind):
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ValueError(f"setting {name} must be an integer, got {value!r}") from None
    return str(value)


def config_file_path() -> Path | None:
    """The TOML file in use: $BIOFM_CONFIG, else ./biofm.toml, else ~/.biofm/config.toml."""
    explicit = os.environ.get("BIOFM_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    for candidate in (Path.cwd() / "biofm.toml", Path.home() / ".biofm" / "config.toml"):
        if candidate.is_file():
            return candidate
    return None


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from defaults, the TOML file, ``BIOFM_*`` env vars and explicit overrides."""
    names = {f.name for f in fields(Settings)}
    values: dict[str, Any] = {}
    path = Path(config_file) if config_file else config_file_path()
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"config file {path} does not exist")
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        data = data.get("biofm", data)
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown settings in {path}: {', '.join(sorted(unknown))}")
        values.update(data)
    for name in names:
        env = os.environ.get(f"BIOFM_{name.upper()}")
        if env is not None and env != "":
            values[name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - names
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    return replace(Settings(), **{k: _coerce(k, v) for k, v in values.items()})
