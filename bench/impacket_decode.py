#!/usr/bin/env python3
"""Impacket's side of the decode benchmark.

Reads the corpus written by `cargo run --release -p rwmi-core --example wmio_corpus` (EncodingUnits
back to back, MS-WMIO 2.2.1) and decodes every unit the way Impacket's IWbemClassObject does for each
row a query returns: parse the ENCODING_UNIT structure, then the object block's class and instance
values (OBJECT_BLOCK.parseObject, which wmiquery.py's getProperties() reads).

Prints one JSON object: instances decoded, seconds (wall and process CPU), instances per second.
"""

import argparse
import json
import struct
import sys
import time

from impacket.dcerpc.v5.dcom.wmi import ENCODING_UNIT

SIGNATURE = 0x12345678


def split_units(data):
    """The EncodingUnits of the file: Signature, ObjectEncodingLength, then that many octets."""
    units = []
    offset = 0
    while offset < len(data):
        if len(data) - offset < 8:
            raise ValueError("truncated EncodingUnit header at offset %d" % offset)
        signature, length = struct.unpack_from("<II", data, offset)
        if signature != SIGNATURE:
            raise ValueError("bad Signature at offset %d" % offset)
        end = offset + 8 + length
        if end > len(data):
            raise ValueError("EncodingUnit at offset %d runs past the end" % offset)
        units.append(data[offset:end])
        offset = end
    return units


def decode(unit):
    """One row as Impacket materialises it: the class and the instance's values."""
    encoding_unit = ENCODING_UNIT(unit)
    block = encoding_unit["ObjectBlock"]
    block.parseObject()
    return block.ctCurrent["values"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("--min-seconds", type=float, default=2.0,
                        help="decode the corpus again until this much time has passed")
    args = parser.parse_args()
    with open(args.corpus, "rb") as f:
        units = split_units(f.read())
    if not units:
        sys.exit("impacket_decode: the corpus is empty")

    sample = decode(units[0])
    if len(sample) != 20:
        sys.exit("impacket_decode: expected 20 properties, Impacket decoded %d" % len(sample))

    decoded = 0
    wall_start = time.perf_counter()
    cpu_start = time.process_time()
    while True:
        for unit in units:
            decode(unit)
        decoded += len(units)
        if time.perf_counter() - wall_start >= args.min_seconds:
            break
    wall = time.perf_counter() - wall_start
    cpu = time.process_time() - cpu_start
    json.dump({
        "decoder": "impacket",
        "instances": decoded,
        "units_in_corpus": len(units),
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "instances_per_second": decoded / wall,
        "instances_per_cpu_second": decoded / cpu if cpu > 0 else None,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main()
