"""Runs Principal Mapper's own command line (`pmapper ARGS...`) on Python 3.10 and later.

principalmapper 1.1.5, the last release, imports `Mapping` and `MutableMapping` from
`collections`, which Python 3.10 removed (they live in `collections.abc`). This puts the two
names back before pmapper is imported; nothing of pmapper is changed.
"""

import collections
import collections.abc
import sys

for name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, name):
        setattr(collections, name, getattr(collections.abc, name))

from principalmapper.__main__ import main  # noqa: E402

sys.exit(main())
