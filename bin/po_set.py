#!/usr/bin/env python3
"""Set translations in a .po file from a JSON mapping {msgid: msgstr}, clearing their fuzzy flag.

Usage: bin/po_set.py locale/zh_Hans/LC_MESSAGES/django.po mapping.json
Plural entries are not handled; that is all the hand edits need.
"""

import json
import re
import sys


def quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def unquote(s: str) -> str:
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), s)


def main(po_path: str, mapping_path: str) -> None:
    mapping = json.load(open(mapping_path, encoding="utf-8"))
    blocks = open(po_path, encoding="utf-8").read().split("\n\n")
    done = set()
    for i, block in enumerate(blocks):
        m = re.search(r'^msgid ((?:".*"\n?)+)msgstr ', block, re.M)
        if not m or "msgid_plural" in block:
            continue
        parts = re.findall(r'"(.*)"', m.group(1))
        msgid = unquote("".join(parts))
        if msgid in mapping:
            lines = [ln for ln in block.split("\n") if not ln.startswith("#| ")]
            lines = [re.sub(r"^#, fuzzy, ", "#, ", ln) for ln in lines if ln != "#, fuzzy"]
            body = "\n".join(lines)
            body = re.sub(r'^msgstr ".*"(\n".*")*$', "msgstr " + quote(mapping[msgid]), body, flags=re.M)
            blocks[i] = body
            done.add(msgid)
    open(po_path, "w", encoding="utf-8").write("\n\n".join(blocks))
    missing = set(mapping) - done
    if missing:
        sys.exit(f"not found: {sorted(missing)}")


if __name__ == "__main__":
    main(*sys.argv[1:])
