"""Safetensors read and write without the safetensors package.

The format: 8 bytes little-endian header length N, N bytes of JSON
{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}},
then the data; offsets are relative to the end of the header.
"""
import json
import mmap
import os
import struct

import torch

DTYPES = {
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
    "F64": torch.float64,
    "I64": torch.int64,
    "I32": torch.int32,
    "I16": torch.int16,
    "I8": torch.int8,
    "U8": torch.uint8,
    "BOOL": torch.bool,
}
NAMES = {v: k for k, v in DTYPES.items()}


class FormatError(Exception):
    pass


def read_header(path):
    """Returns (header dict, data start offset, file size)."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        raw = f.read(8)
        if len(raw) < 8:
            raise FormatError(f"{path}: truncated (no header length)")
        (n,) = struct.unpack("<Q", raw)
        if n > size - 8 or n > 100 << 20:
            raise FormatError(f"{path}: header length {n} exceeds the file ({size} bytes)")
        try:
            header = json.loads(f.read(n))
        except ValueError as e:
            raise FormatError(f"{path}: bad header JSON: {e}")
    if not isinstance(header, dict):
        raise FormatError(f"{path}: header is not an object")
    return header, 8 + n, size


def load(path, want=None):
    """Loads the tensors of one file (only names in want, when given) as CPU
    tensors that own their memory."""
    header, start, size = read_header(path)
    out = {}
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY) if size > 0 else None
        try:
            for name, info in header.items():
                if name == "__metadata__" or (want is not None and name not in want):
                    continue
                dtype, shape, (b, e) = entry(path, name, info)
                count = 1
                for d in shape:
                    count *= d
                elem = torch.tensor([], dtype=dtype).element_size()
                if b < 0 or e < b or start + e > size or (e - b) != count * elem:
                    raise FormatError(f"{path}: {name}: data offsets {b}..{e} do not fit shape {shape} {info['dtype']} in a {size}-byte file")
                if count == 0:
                    t = torch.empty(shape, dtype=dtype)
                else:
                    t = torch.frombuffer(mm, dtype=dtype, count=count, offset=start + b).clone().reshape(shape)
                out[name] = t
        finally:
            if mm is not None:
                mm.close()
    return out


def entry(path, name, info):
    """Checks one header entry: (dtype, shape, (begin, end))."""
    if not isinstance(info, dict):
        raise FormatError(f"{path}: {name}: header entry is not an object")
    dtype = DTYPES.get(info.get("dtype")) if isinstance(info.get("dtype"), str) else None
    if dtype is None:
        raise FormatError(f"{path}: {name}: unsupported dtype {info.get('dtype')!r}")
    shape, offs = info.get("shape"), info.get("data_offsets")
    if not isinstance(shape, list) or not all(type(d) is int and d >= 0 for d in shape):
        raise FormatError(f"{path}: {name}: bad shape {shape!r}")
    if not isinstance(offs, list) or len(offs) != 2 or not all(type(x) is int for x in offs):
        raise FormatError(f"{path}: {name}: bad data_offsets {offs!r}")
    return dtype, shape, offs


def tensor_bytes(t):
    t = t.detach().to("cpu").contiguous()
    try:
        return t.numpy().tobytes()
    except (TypeError, RuntimeError):  # bf16 has no numpy dtype; no numpy at all
        if t.dtype == torch.bfloat16:
            return tensor_bytes(t.view(torch.int16))
        import array
        codes = {torch.float32: "f", torch.float64: "d", torch.int64: "q", torch.int32: "i", torch.int16: "h"}
        return array.array(codes[t.dtype], t.flatten().tolist()).tobytes()


def save(path, tensors, metadata=None):
    """Writes tensors (name -> tensor) in sorted name order, header padded to 8."""
    header = {}
    blobs = []
    off = 0
    for name in sorted(tensors):
        t = tensors[name]
        b = tensor_bytes(t)
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
        f.flush()
        os.fsync(f.fileno())


def load_checkpoint(model_dir, want=None):
    """Loads model.safetensors or the shards named by model.safetensors.index.json."""
    index = os.path.join(model_dir, "model.safetensors.index.json")
    single = os.path.join(model_dir, "model.safetensors")
    if os.path.exists(single):
        return load(single, want)
    if os.path.exists(index):
        try:
            with open(index) as f:
                weight_map = json.load(f).get("weight_map")
        except (ValueError, AttributeError) as e:
            raise FormatError(f"{index}: {e}")
        if not isinstance(weight_map, dict) or not all(isinstance(v, str) for v in weight_map.values()):
            raise FormatError(f"{index}: no weight_map of tensor names to shard files")
        out = {}
        for shard in sorted(set(weight_map.values())):
            out.update(load(os.path.join(model_dir, shard), want))
        return out
    raise FormatError(f"{model_dir}: neither model.safetensors nor model.safetensors.index.json")
