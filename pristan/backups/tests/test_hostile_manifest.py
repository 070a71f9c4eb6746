"""`pristan restore` reads a backup's manifest before anything else: a hostile one (nested 100,000
deep, or huge) is refused with the command's message, not a traceback or a whole file in memory."""

import pytest

from pristan.backups.errors import BackupError
from pristan.backups.manifest import MANIFEST, MAX_MANIFEST_BYTES, manifest_read


@pytest.mark.parametrize(
    "content", ["[" * 100_000, '{"a":' * 100_000, " " * (MAX_MANIFEST_BYTES + 1)], ids=["deep-list", "deep-object", "huge"]
)
def test_a_hostile_manifest_is_refused_with_a_message(tmp_path, content):
    (tmp_path / MANIFEST).write_text(content, encoding="utf-8")
    with pytest.raises(BackupError, match="is not the manifest of a Pristan backup this version can read"):
        manifest_read(tmp_path)
