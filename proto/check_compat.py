"""Checks that berth's gRPC protocol is wire-compatible with Triton's clients: every message
and enum berth's .proto files define must exist in tritonclient's descriptors under the same
full name, with each field of the same number, name, type and cardinality, and each service
method berth defines must exist there with the same request and response types.

Usage: check_compat.py DESCRIPTOR_SET.pb   (written by protoc --descriptor_set_out)
"""
import sys

from google.protobuf import descriptor_pb2
from tritonclient.grpc import model_config_pb2, service_pb2


def theirs():
    files = {}
    for module in (service_pb2, model_config_pb2):
        proto = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(proto)
        files[proto.name] = proto
    return files


def index(files):
    messages, enums, methods = {}, {}, {}

    def walk(prefix, message):
        name = f"{prefix}.{message.name}"
        messages[name] = message
        for nested in message.nested_type:
            walk(name, nested)
        for enum in message.enum_type:
            enums[f"{name}.{enum.name}"] = enum

    for f in files:
        for m in f.message_type:
            walk(f.package, m)
        for e in f.enum_type:
            enums[f"{f.package}.{e.name}"] = e
        for s in f.service:
            for m in s.method:
                methods[f"{f.package}.{s.name}.{m.name}"] = m
    return messages, enums, methods


def compare(ours, theirs_):
    problems = []
    our_messages, our_enums, our_methods = index(ours)
    their_messages, their_enums, their_methods = index(theirs_)
    for name, message in our_messages.items():
        other = their_messages.get(name)
        if other is None:
            problems.append(f"message {name}: not in tritonclient")
            continue
        their_fields = {f.number: f for f in other.field}
        for field in message.field:
            t = their_fields.get(field.number)
            where = f"{name}.{field.name} (= {field.number})"
            if t is None:
                problems.append(f"{where}: no field of that number in tritonclient")
            elif (t.name, t.type, t.label, t.type_name.lstrip(".")) != (
                    field.name, field.type, field.label, field.type_name.lstrip(".")):
                problems.append(f"{where}: tritonclient has {t.name} type {t.type} "
                                f"label {t.label} {t.type_name}")
    for name, enum in our_enums.items():
        other = their_enums.get(name)
        if other is None:
            problems.append(f"enum {name}: not in tritonclient")
            continue
        values = {v.name: v.number for v in other.value}
        for v in enum.value:
            if values.get(v.name) != v.number:
                problems.append(f"enum {name}.{v.name} = {v.number}: tritonclient has "
                                f"{values.get(v.name)}")
    for name, method in our_methods.items():
        other = their_methods.get(name)
        if other is None or (other.input_type, other.output_type) != (
                method.input_type, method.output_type):
            problems.append(f"rpc {name}: differs from tritonclient")
    return problems, len(our_messages), len(our_methods)


def main():
    ours = descriptor_pb2.FileDescriptorSet()
    ours.ParseFromString(open(sys.argv[1], "rb").read())
    problems, messages, methods = compare(list(ours.file), list(theirs().values()))
    for p in problems:
        print("MISMATCH", p)
    print(f"{messages} messages and {methods} methods compared, {len(problems)} mismatches")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
