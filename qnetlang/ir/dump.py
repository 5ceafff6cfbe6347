"""The IR as JSON: a stable, documented schema (docs/ir.md), printed by
`qnetc compile FILE --target ir`.

Every node becomes an object whose "op" (instructions, expressions) or keys
name what it is; a span becomes "file:line:column". Keys are emitted in a fixed
order so that the output is byte-for-byte reproducible.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from qnetlang import types as t
from qnetlang import units
from qnetlang.ir import nodes as ir
from qnetlang.ir import parameters
from qnetlang.ir.parameters import Place

SCHEMA = "qnetlang-ir/1"


def to_json(program: ir.Program) -> dict[str, Any]:
    return {"schema": SCHEMA, "runs": [_run(run) for run in program.runs]}


def dumps(program: ir.Program) -> str:
    return json.dumps(to_json(program), indent=1, ensure_ascii=False) + "\n"


def _span(node: ir.IRNode) -> str | None:
    span = node.span
    return f"{span.file}:{span.line}:{span.column}" if span is not None else None


def _value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return value


def _type(type_: t.Type | None) -> str | None:
    return None if type_ is None else str(type_)


def _run(run: ir.Run) -> dict[str, Any]:
    return {
        "name": run.name,
        "protocol": run.protocol,
        "arguments": {k: _value(v) for k, v in run.arguments.items()},
        "settings": {k: _value(v) for k, v in run.settings.items()},
        "network": _network(run.network),
        "roles": [_role(role) for role in run.roles.values()],
        **({"sweep": [{"names": list(axis.names), "values": [list(row) for row in axis.values],
                       "span": _span(axis)} for axis in run.sweep]} if run.sweep else {}),
        "span": _span(run),
    }


def _network(network: ir.Network) -> dict[str, Any]:
    return {
        "name": network.name,
        "nodes": [{
            "name": node.name,
            "qubits": node.qubits,
            "memory": _parameters(Place.MEMORY, node.memory),
            **_parameters(Place.NODE, node),
            **({"detector": {"name": node.detector.name,
                             **_parameters(Place.DETECTOR, node.detector)}}
               if node.detector is not None else {}),
            **({"source": {"name": node.source.name, "kind": node.source.kind,
                           **_parameters(parameters.DEVICE_KINDS[node.source.kind],
                                         node.source)}}
               if node.source is not None else {}),
            **({"analyser": {"name": node.analyser.name,
                             **_parameters(Place.ANALYSER, node.analyser)}}
               if node.analyser is not None else {}),
            **({"kind": node.kind} if node.kind is not None else {}),
            **({"position": list(node.position)} if node.position is not None else {}),
            "span": _span(node),
        } for node in network.nodes.values()],
        "channels": [{
            "id": c.id, "kind": c.kind, "model": c.model, "source": c.source,
            "target": c.target, **_parameters(Place.CHANNEL, c),
            # a moving channel's depend on the time: its track and loss table give them
            "delay_s": None if c.moving else c.delay,
            "total_loss_db": None if c.moving else c.total_loss, "span": _span(c),
        } for c in network.channels],
    }


# The suffix that names a parameter's SI unit in the JSON form.
_UNIT_SUFFIXES = {units.DIMENSIONLESS: "", units.LENGTH: "_m", units.TIME: "_s",
                  units.LOSS: "_db", units.ATTENUATION: "_db_per_m", units.FREQUENCY: "_hz",
                  None: ""}  # a file: its name, as the program gives it


def _parameters(place: Place, holder: object) -> dict[str, Any]:
    """Every parameter of the place, in the order of its table, named with its unit."""
    return {name + _UNIT_SUFFIXES[parameter.dimension]: getattr(holder, name)
            for name, parameter in parameters.TABLES[place].items()}


def _role(role: ir.Role) -> dict[str, Any]:
    return {
        "name": role.name,
        "node": role.node,
        "units": role.units,
        "variables": {name: _type(type_) for name, type_ in role.variables.items()},
        "code": [_instr(i) for i in role.code],
        "span": _span(role),
    }


def _instr(instr: ir.Instr) -> dict[str, Any]:
    record: dict[str, Any] = {"op": type(instr).__name__.lower()}
    for field in dataclasses.fields(instr):
        if field.name == "span":
            continue
        record[field.name] = _operand(getattr(instr, field.name))
    record["span"] = _span(instr)
    return record


def _operand(value: Any) -> Any:
    if isinstance(value, ir.Expr):
        return expression(value)
    if isinstance(value, t.Type):
        return str(value)
    if isinstance(value, list):
        return [_operand(v) for v in value]
    return _value(value)


def expression(expr: ir.Expr) -> dict[str, Any]:
    if isinstance(expr, ir.Const):
        return {"const": _value(expr.value)}
    if isinstance(expr, (ir.Var, ir.Unit)):
        key = "var" if isinstance(expr, ir.Var) else "unit"
        record: dict[str, Any] = {key: expr.name}
        if expr.index is not None:
            record["index"] = expression(expr.index)
        return record
    if isinstance(expr, ir.Unary):
        return {"op": expr.op, "operand": expression(expr.operand)}
    if isinstance(expr, ir.Binary):
        return {"op": expr.op, "left": expression(expr.left), "right": expression(expr.right)}
    if isinstance(expr, ir.Builtin):
        return {"call": expr.name, "args": [expression(a) for a in expr.args]}
    if isinstance(expr, (ir.TupleOf, ir.ArrayOf)):
        key = "tuple" if isinstance(expr, ir.TupleOf) else "array"
        return {key: [expression(item) for item in expr.items]}
    assert isinstance(expr, ir.Index)
    return {"element": expression(expr.target), "index": expression(expr.index)}
