"""The lab image: /etc/open-r1/image.json names the lab, version, revision, CUDA and torch, as the run card reads it."""

import json
import os

from open_r1.core.runcard import image_info

info = json.loads(open("/etc/open-r1/image.json").read())
expected = {
    "lab": os.environ["OPEN_R1_EXPECT_LAB"],
    "version": os.environ["OPEN_R1_EXPECT_VERSION"],
    "revision": os.environ["OPEN_R1_EXPECT_REVISION"],
    "torch": os.environ["OPEN_R1_EXPECT_TORCH"],
    "cuda": os.environ["OPEN_R1_EXPECT_CUDA"],
}
assert info == expected, (info, expected)
assert image_info()["lab"] == expected["lab"]
assert os.environ["OPEN_R1_GIT_SHA"] == expected["revision"]
print(info)
