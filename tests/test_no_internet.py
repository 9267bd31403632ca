import socket

import pytest


def test_tests_cannot_reach_the_internet():
    with socket.socket() as probe, pytest.raises(OSError, match="may not reach the network"):
        probe.connect(("192.0.2.1", 443))
