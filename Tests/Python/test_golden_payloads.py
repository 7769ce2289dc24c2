"""Every study's campaign and reduced payloads equal the committed golden
checksums (Tests/Fixtures/golden/checksums.json, made by golden.py --update)."""
import json

import golden


def test_payloads_match_golden_checksums(tmp_path):
    expected = json.loads(golden.CHECKSUMS.read_text())
    assert expected, "empty golden file"
    now = golden.produce(tmp_path)
    problems = golden.compare(expected, now)
    assert not problems, "payloads changed:\n" + "\n".join(problems[:50])


def test_checksums_see_a_changed_value(tmp_path):
    """The comparison is not vacuous: flipping one stored bit is detected."""
    import h5py
    import numpy as np
    p = tmp_path / "x.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("g/a", data=np.arange(4.0))
        f.attrs["study"] = "x"
    before = golden.checksums(p)
    with h5py.File(p, "a") as f:
        f["g/a"][2] = np.nextafter(2.0, 3.0)
    after = golden.checksums(p)
    assert golden.compare({"x": before}, {"x": after}) == ["x: /g/a differs"]
