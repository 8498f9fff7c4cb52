"""Test vectors for src/proof/poseidon.ts, computed by EZKL's own Python bindings.

Writes test/proof/poseidonVectors.json:
  floatToFelt: {type, scale, vectors: [bits, felt | null][]} — `type` EZKL's input type, `bits`
    the value's IEEE-754 binary64 pattern (16 hex digits, big-endian: exact, and NaN/±inf/-0
    survive JSON), `felt` what ezkl.float_to_felt(value, scale, type) returns (32-byte
    little-endian hex), null where EZKL refuses the value (an error or, for int/bool, a panic).
  poseidon: {label, length, hash} — the message is `length` field elements derived from `label`
    (element i = sha256("<label>:<i>") read little-endian, mod r, so the test rebuilds it without
    storing it), `hash` = ezkl.poseidon_hash(message)[0] (null for the empty message, where EZKL
    returns no hash).
  poseidonExplicit: {message, hash} — small messages spelled out (edge elements: 0, 1, r - 1, …).

Run with EZKL 23's venv:  /tmp/ez23/bin/python scripts/poseidonVectors.py
"""

import hashlib
import json
import math
import os
import random
import struct
import sys

import ezkl

R = 21888242871839275222246405745257275088548364400416034343698204186575808495617
TYPES = {
    "f16": ezkl.PyInputType.F16,
    "f32": ezkl.PyInputType.F32,
    "f64": ezkl.PyInputType.F64,
    "int": ezkl.PyInputType.Int,
    "tdim": ezkl.PyInputType.TDim,
    "bool": ezkl.PyInputType.Bool,
}


def bits(x: float) -> str:
    return struct.pack(">d", x).hex()


def felt_hex(x: int) -> str:
    return (x % R).to_bytes(32, "little").hex()


def float_to_felt(value: float, scale: int, typ: str):
    try:
        return ezkl.float_to_felt(value, scale, TYPES[typ])
    except BaseException as error:  # pyo3 raises PanicException (a BaseException) on a panic
        if isinstance(error, KeyboardInterrupt):
            raise
        return None


def layout(x, depth: int) -> str:
    """JSON laid out as biome formats it (2 spaces, 100 columns): arrays of scalars on one line
    where they fit, everything else one item a line — so the file passes `biome check` as written.
    """
    pad = "  " * depth
    if isinstance(x, list) and all(not isinstance(e, (list, dict)) for e in x):
        inline = json.dumps(x, separators=(", ", ": "))
        if len(pad) + len(inline) + 1 <= 100:
            return inline
    if isinstance(x, list):
        if not x:
            return "[]"
        inner = ",\n".join(pad + "  " + layout(e, depth + 1) for e in x)
        return f"[\n{inner}\n{pad}]"
    if isinstance(x, dict):
        inner = ",\n".join(
            f"{pad}  {json.dumps(k)}: {layout(v, depth + 1)}" for k, v in x.items()
        )
        return f"{{\n{inner}\n{pad}}}"
    return json.dumps(x)


def message(label: str, length: int) -> list[str]:
    return [
        felt_hex(int.from_bytes(hashlib.sha256(f"{label}:{i}".encode()).digest(), "little"))
        for i in range(length)
    ]


def main() -> None:
    rng = random.Random(20260523)
    inf, nan = math.inf, math.nan
    common = [
        0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.1, -0.1, 1 / 3, -2 / 3,
        0.7853981633974483, -3.141592653589793, 1e-30, -1e-30, 5e-324, 1e-7, 123.456, -987.654321,
        16777217.0, -16777217.0, 0.30000001192092896, 3.4028234663852886e38, 3.5e38, 1e300,
        -1e300, inf, -inf, nan,
    ]
    rows: list[tuple[str, int, float]] = []
    for scale in range(0, 21):
        m = 2.0**scale
        per_scale = [
            # ties and near-ties of the rounding, at this scale
            0.5 / m, -0.5 / m, 1.5 / m, -1.5 / m, 2.5 / m, math.nextafter(0.5 / m, 0),
            math.nextafter(0.5 / m, 1), -math.nextafter(0.5 / m, 1),
            # near EZKL's 64-bit bound (pocompute's) and its i128 bound (EZKL's)
            2.0**63 / m, -(2.0**63) / m, math.nextafter(2.0**63, 0) / m, (2.0**62 + 2.0**40) / m,
            2.0**127 / m, -(2.0**127) / m, math.nextafter(2.0**127 / m, inf),
            -math.nextafter(2.0**127 / m, inf), math.nextafter(2.0**127 / m, 0),
        ]
        randoms = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-6, 6) for _ in range(12)]
        for typ in ("f32", "f64"):
            for v in common + per_scale + randoms:
                rows.append((typ, scale, v))
    # Other scales and the other input types, more briefly
    for scale in (-3, -1, 24, 30, 40, 64):
        for typ in ("f32", "f64"):
            for v in (0.0, 1.0, -1.0, 3.75, -1234.5678, 1e-3, 2.0**100):
                rows.append((typ, scale, v))
    for typ in ("f16", "int", "tdim", "bool"):
        for scale in (0, 1, 7, 13):
            for v in (0.0, -0.0, 1.0, 0.99, -0.99, 1.5, -2.7, 2.0, 0.1, 1e10, -1e10, 2.0**63,
                      math.nextafter(2.0**63, 0), -(2.0**63), -math.nextafter(2.0**63, inf),
                      -1e19, nan, inf):
                rows.append((typ, scale, v))

    groups: dict[tuple[str, int], list] = {}
    for typ, scale, v in rows:
        groups.setdefault((typ, scale), []).append([bits(v), float_to_felt(v, scale, typ)])
    float_vectors = [
        {"type": typ, "scale": scale, "vectors": vectors} for (typ, scale), vectors in groups.items()
    ]

    poseidon = []
    for length in (0, 1, 2, 3, 31, 32, 33, 64, 100, 1000):
        label = f"pocompute-poseidon-{length}"
        out = ezkl.poseidon_hash(message(label, length))
        poseidon.append({"label": label, "length": length, "hash": out[0] if out else None})

    explicit = []
    for msg in ([0], [1], [R - 1], [0, 0], [1, 0], [0, 1], [R - 1, R - 1, R - 1], [2**64],
                [2**127 - 1, R - 2**127, 5]):
        felts = [felt_hex(x) for x in msg]
        explicit.append({"message": felts, "hash": ezkl.poseidon_hash(felts)[0]})

    out = {
        "ezkl": ezkl.__version__,
        "floatToFelt": float_vectors,
        "poseidon": poseidon,
        "poseidonExplicit": explicit,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "proof", "poseidonVectors.json")
    with open(path, "w") as f:
        f.write(layout(out, 0) + "\n")
    print(f"{len(rows)} float_to_felt vectors, {len(poseidon) + len(explicit)} hashes -> {path}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
