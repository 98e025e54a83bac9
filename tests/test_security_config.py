"""The production settings of .streamlit/config.toml (README, "Segurança e privacidade"), read both
as written and as Streamlit 1.67 loads them, so a typo in an option name cannot go unnoticed."""

from __future__ import annotations

import os
import subprocess
import tomllib
from pathlib import Path

from retention_analytics.forms import sources

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / ".streamlit" / "config.toml"

EXPECTED = {
    ("server", "enableXsrfProtection"): True,
    ("server", "enableCORS"): True,
    ("server", "runOnSave"): False,
    ("server", "fileWatcherType"): "none",
    ("server", "headless"): True,
    ("server", "enableStaticServing"): False,
    ("browser", "gatherUsageStats"): False,
    ("client", "toolbarMode"): "viewer",
    ("client", "showErrorDetails"): "none",
    ("client", "disableDataExport"): True,
}


def test_config_file_says_what_the_readme_promises():
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    for (section, option), value in EXPECTED.items():
        assert config[section][option] == value, f"{section}.{option}"
    # The upload limit is the form size limit (RETENTION_MAX_FILE_MB, default 20 MB).
    if "RETENTION_MAX_FILE_MB" not in os.environ:
        assert config["server"]["maxUploadSize"] * 1024 * 1024 == sources.MAX_FILE_BYTES


def test_streamlit_loads_every_option_under_that_name():
    shown = subprocess.run([str(ROOT / ".venv" / "bin" / "streamlit"), "config", "show"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120).stdout
    lines = {line.strip() for line in shown.splitlines() if line and not line.startswith("#")}
    for (_section, option), value in EXPECTED.items():
        text = f'"{value}"' if isinstance(value, str) else str(value).lower()
        assert f"{option} = {text}" in lines, option
    assert "maxUploadSize = 20" in lines
