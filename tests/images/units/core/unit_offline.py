"""The core image: the tests run it with --network none; nothing here may need the network to start."""

import socket

try:
    socket.create_connection(("pypi.org", 443), timeout=3)
except OSError as err:
    print("offline as expected:", type(err).__name__)
else:
    raise AssertionError("the container reached the network; the image tests run with --network none")
