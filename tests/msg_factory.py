"""Outlook .msg files for the tests, written from scratch (no Outlook, no writer on PyPI).

A .msg is an OLE compound file ([MS-CFB], version 3: 512-byte sectors, 64-byte mini sectors for
streams under 4096 bytes) holding MAPI properties ([MS-OXMSG]): the subject, sender and message
class as `__substg1.0_*` streams, the submit time in `__properties_version1.0`, each attachment in
its own `__attach_version1.0_#N` storage. `outlook_msg(...)` writes just enough of both for a
reader (extract-msg) to see what Outlook's "Save as" gives: date, sender, subject, attachments.
"""

from __future__ import annotations

import datetime as dt
import struct

FREE, END, FAT_SECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI, CUTOFF = 512, 64, 4096


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def _filetime(when: dt.datetime) -> int:
    return int((when - dt.datetime(1601, 1, 1, tzinfo=dt.timezone.utc)).total_seconds() * 10_000_000)


class _Node:
    def __init__(self, name: str, data: bytes | None = None) -> None:
        self.name, self.data, self.children = name, data, []  # data None: a storage

    def add(self, node: "_Node") -> "_Node":
        self.children.append(node)
        return node


def _compound_file(root: _Node) -> bytes:
    entries: list[_Node] = []

    def number(node: _Node) -> None:
        entries.append(node)
        for child in node.children:
            number(child)

    number(root)
    index = {id(n): i for i, n in enumerate(entries)}
    # Mini stream: the small streams, 64-byte aligned; big streams get their own sectors.
    mini = bytearray()
    mini_fat: list[int] = []
    starts: dict[int, int] = {}
    big: list[_Node] = []
    for node in entries[1:]:
        if node.data is None:
            continue
        if len(node.data) >= CUTOFF:
            big.append(node)
            continue
        first = len(mini) // MINI
        count = max(1, -(-len(node.data) // MINI)) if node.data else 0
        starts[id(node)] = first if node.data else END
        mini += node.data + b"\0" * (count * MINI - len(node.data))
        mini_fat += [first + k + 1 for k in range(count - 1)] + ([END] if count else [])
    dir_sectors = -(-len(entries) * 128 // SECTOR)
    minifat_sectors = -(-len(mini_fat) * 4 // SECTOR) if mini_fat else 0
    mini_sectors = -(-len(mini) // SECTOR)
    big_sectors = [-(-len(n.data) // SECTOR) for n in big]
    payload = dir_sectors + minifat_sectors + mini_sectors + sum(big_sectors)
    fat_sectors = 1
    while fat_sectors * 128 < payload + fat_sectors:
        fat_sectors += 1
    fat: list[int] = [FAT_SECT] * fat_sectors
    position = fat_sectors

    def chain(length: int) -> int:
        nonlocal position
        first = position
        fat.extend(position + k + 1 for k in range(length - 1))
        fat.append(END)
        position += length
        return first

    dir_start = chain(dir_sectors)
    minifat_start = chain(minifat_sectors) if minifat_sectors else END
    mini_start = chain(mini_sectors) if mini_sectors else END
    for node, length in zip(big, big_sectors):
        starts[id(node)] = chain(length)
    fat += [FREE] * (fat_sectors * 128 - len(fat))

    def entry(node: _Node | None) -> bytes:
        if node is None:
            return b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM) + b"\0" * 36 + b"\0" * 12
        name = _utf16(node.name) + b"\0\0"
        kind = 5 if node is root else (1 if node.data is None else 2)
        # Children as a right-leaning chain in CFB order (shorter names first, then upper case).
        kids = sorted(node.children, key=lambda n: (len(n.name), n.name.upper()))
        child = index[id(kids[0])] if kids else NOSTREAM
        siblings = {id(a): index[id(b)] for a, b in zip(kids, kids[1:])}
        for kid in kids:
            kid._right = siblings.get(id(kid), NOSTREAM)  # type: ignore[attr-defined]
        if node is root:
            start, size = mini_start, len(mini)
        elif node.data is None:
            start, size = 0, 0
        else:
            start, size = starts[id(node)], len(node.data)
        return (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), kind, 1)
                + struct.pack("<III", NOSTREAM, getattr(node, "_right", NOSTREAM), child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))

    # Children's right siblings are set while writing their parent, which comes first in `entries`.
    directory = b"".join(entry(n) for n in entries)
    directory += entry(None) * (dir_sectors * SECTOR // 128 - len(entries))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, fat_sectors, dir_start, 0, CUTOFF, minifat_start, minifat_sectors, END, 0))
    difat = [k for k in range(fat_sectors)] + [FREE] * (109 - fat_sectors)
    header += struct.pack("<109I", *difat)
    body = b"".join(struct.pack("<128I", *fat[k * 128:(k + 1) * 128]) for k in range(fat_sectors))
    body += directory
    if minifat_sectors:
        packed = struct.pack(f"<{len(mini_fat)}I", *mini_fat)
        body += packed + struct.pack("<I", FREE) * ((minifat_sectors * SECTOR - len(packed)) // 4)
    body += bytes(mini) + b"\0" * (mini_sectors * SECTOR - len(mini))
    for node, length in zip(big, big_sectors):
        body += node.data + b"\0" * (length * SECTOR - len(node.data))
    return header + body


def _string_prop(prop_id: int, text: str) -> _Node:
    return _Node(f"__substg1.0_{prop_id:04X}001F", _utf16(text))


def _fixed_props(header: bytes, props: list[tuple[int, int, int]]) -> _Node:
    """__properties_version1.0: a header, then 16 bytes per fixed-size property."""
    body = b"".join(struct.pack("<IIQ", (prop_id << 16) | kind, 6, value) for prop_id, kind, value in props)
    return _Node("__properties_version1.0", header + body)


def outlook_msg(subject: str, sender_name: str, sender_email: str, when: dt.datetime,
                attachments: dict[str, bytes]) -> bytes:
    root = _Node("Root Entry")
    root.add(_string_prop(0x001A, "IPM.Note"))  # message class
    root.add(_string_prop(0x0037, subject))
    root.add(_string_prop(0x0C1A, sender_name))
    root.add(_string_prop(0x0C1F, sender_email))
    root.add(_string_prop(0x5D01, sender_email))
    root.add(_string_prop(0x1000, "Seguem os formulários."))
    headers = (f"From: {sender_name} <{sender_email}>\r\nSubject: {subject}\r\n"
               f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S %z')}\r\n\r\n")
    root.add(_string_prop(0x007D, headers))
    submit = _filetime(when)
    root.add(_fixed_props(struct.pack("<8xIIII8x", 0, len(attachments), 0, len(attachments)),
                          [(0x0039, 0x0040, submit), (0x0E06, 0x0040, submit), (0x0E07, 0x0003, 1)]))
    names = root.add(_Node("__nameid_version1.0"))
    for stream in ("__substg1.0_00020102", "__substg1.0_00030102", "__substg1.0_00040102"):
        names.add(_Node(stream, b""))
    for k, (filename, data) in enumerate(attachments.items()):
        storage = root.add(_Node(f"__attach_version1.0_#{k:08X}"))
        storage.add(_string_prop(0x3707, filename))
        storage.add(_string_prop(0x3704, filename[:12]))
        storage.add(_string_prop(0x3703, "." + filename.rsplit(".", 1)[-1]))
        storage.add(_Node("__substg1.0_37010102", data))
        storage.add(_fixed_props(b"\0" * 8, [(0x3705, 0x0003, 1), (0x0E20, 0x0003, len(data))]))
    return _compound_file(root)
