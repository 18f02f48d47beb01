"""A scripted ``$EDITOR`` for the ``typed-cloudmap edit`` tests (run as a program).

Each run takes the next step of the plan in ``$TCM_EDIT_PLAN`` (a JSON file), logs the file it
was opened with (and, if asked, what the store holds at that moment), optionally lets another
writer save first, then rewrites the file as the step says. With no steps left it fails
(exit 3), as an editor that crashed would.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def main() -> int:
    plan_path = Path(os.environ["TCM_EDIT_PLAN"])
    plan = json.loads(plan_path.read_text())
    target = Path(sys.argv[1])
    entry: dict[str, Any] = {"opened": target.read_text(encoding="utf-8")}
    steps = plan["steps"]
    if not steps:
        return 3
    step = steps.pop(0)
    plan_path.write_text(json.dumps(plan))
    if "peek" in step or "other" in step:
        from typed_cloudmap import CloudMapping

        where = step.get("peek") or step["other"]
        store = CloudMapping[str, Any](where["url"])
        if "peek" in step:
            entry["stored"] = store.get(where["key"])
        if "other" in step:
            store[where["key"]] = where["value"]  # another writer saves first
    with Path(plan["log"]).open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry) + "\n")
    if "write" in step:
        target.write_text(step["write"], encoding="utf-8")
    elif step.get("empty"):
        target.write_text("# nothing but a comment\n\n", encoding="utf-8")
    return 0  # "keep": save the file as it was opened


if __name__ == "__main__":
    sys.exit(main())
