"""Impacket's view of the MS-WMIO objects in this corpus, as JSON (the expected values of real_windows.rs).

Run once with Impacket 0.13.1 and commit the output:
    python3 impacket_view.py > impacket-expected.json
Each object is found in its file by its OBJREF (signature MEOW), decoded by Impacket's OBJREF_CUSTOM and
ENCODING_UNIT, and printed with the class name and every property's value as Impacket reads it.
"""
import json
import os
import struct
import sys

from impacket.dcerpc.v5.dcom.wmi import ENCODING_UNIT
from impacket.dcerpc.v5.dcomrt import OBJREF_CUSTOM

HERE = os.path.dirname(os.path.abspath(__file__))
# file -> what the object is in that call
OBJECTS = {
    "dcerpc-exec-method-win32-process-create.stub": "ExecMethod pInParams",
}


def jsonable(value):
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return repr(value)


def view(data):
    at = data.index(b"MEOW")
    (length,) = struct.unpack_from("<L", data, at - 4)
    objref = OBJREF_CUSTOM(data[at:at + length])
    unit = ENCODING_UNIT(objref["pObjectData"])
    block = unit["ObjectBlock"]
    block.parseObject()
    current = block.ctCurrent
    props = current["properties"]
    return {
        "objref_offset": at,
        "objref_length": length,
        "instance": block.isInstance(),
        "class": current["name"],
        "properties": {
            name: {"type": props[name]["stype"], "value": jsonable(props[name]["value"])}
            for name in sorted(props, key=lambda n: props[n]["order"])
        },
    }


def main():
    out = {}
    for name, what in OBJECTS.items():
        with open(os.path.join(HERE, name), "rb") as f:
            out[name] = dict(view(f.read()), what=what)
    json.dump(out, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
