#include "io/weights/torch_pickle.h"

#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <unordered_map>

#include "core/error.h"
#include "io/weights/byte_cursor.h"

namespace janus {
namespace {

enum class Kind : uint8_t { None, Bool, Int, Float, Str, Tuple, List, Dict, Global, Storage, Tensor };
enum class Callable : uint8_t { OrderedDict, RebuildTensorV2, RebuildParameter, StorageType };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::None:
      return "None";
    case Kind::Bool:
      return "bool";
    case Kind::Int:
      return "int";
    case Kind::Float:
      return "float";
    case Kind::Str:
      return "str";
    case Kind::Tuple:
      return "tuple";
    case Kind::List:
      return "list";
    case Kind::Dict:
      return "dict";
    case Kind::Global:
      return "global";
    case Kind::Storage:
      return "storage";
    case Kind::Tensor:
      return "tensor";
  }
  return "?";
}

// One pickled value. Values live in an arena and refer to each other by index, so memo aliasing
// and self-referencing containers need no ownership graph (and cannot leak or recurse).
struct Value {
  Kind kind = Kind::None;
  Callable callable = Callable::OrderedDict;  // Global
  DType dtype = DType::F32;                   // Global(StorageType), Storage
  int64_t i = 0;                              // Bool, Int, Storage numel, Tensor record index
  double f = 0;                               // Float
  std::string s;                              // Str, Storage key, Global name
  std::vector<uint32_t> items;                // Tuple/List elements; Dict as key,value pairs
};

Value of(Kind k) {
  Value v;
  v.kind = k;
  return v;
}

struct TensorRecord {
  uint32_t storage;
  uint64_t offset;
  std::vector<int64_t> shape, stride;
};

// Opcodes of the pickle protocol we refuse, named so the error says what the file tried to do.
const char* refused_opcode_name(uint8_t op) {
  switch (op) {
    case 'i':
      return "INST";
    case 'o':
      return "OBJ";
    case 0x81:
      return "NEWOBJ";
    case 0x92:
      return "NEWOBJ_EX";
    case 'P':
      return "PERSID";
    case 0x82:
      return "EXT1";
    case 0x83:
      return "EXT2";
    case 0x84:
      return "EXT4";
    case 'I':
      return "INT";
    case 'L':
      return "LONG";
    case 'F':
      return "FLOAT";
    case 'S':
      return "STRING";
    case 'V':
      return "UNICODE";
    case 'd':
      return "DICT";
    case 'l':
      return "LIST";
    case 'g':
      return "GET";
    case 'p':
      return "PUT";
    case '0':
      return "POP";
    case '1':
      return "POP_MARK";
    case '2':
      return "DUP";
    case 0x8b:
      return "LONG4";
    case 'B':
      return "BINBYTES";
    case 'C':
      return "SHORT_BINBYTES";
    case 0x8e:
      return "BINBYTES8";
    case 0x8f:
      return "EMPTY_SET";
    case 0x90:
      return "ADDITEMS";
    case 0x91:
      return "FROZENSET";
    case 0x96:
      return "BYTEARRAY8";
    case 0x97:
      return "NEXT_BUFFER";
    case 0x98:
      return "READONLY_BUFFER";
    default:
      return nullptr;
  }
}

std::optional<DType> storage_dtype(std::string_view name) {
  static const std::pair<std::string_view, DType> table[] = {
      {"BFloat16Storage", DType::BF16}, {"HalfStorage", DType::F16}, {"FloatStorage", DType::F32},
      {"DoubleStorage", DType::F64},    {"LongStorage", DType::I64}, {"IntStorage", DType::I32},
      {"ShortStorage", DType::I16},     {"CharStorage", DType::I8},  {"ByteStorage", DType::U8},
      {"BoolStorage", DType::Bool}};
  for (const auto& [n, t] : table)
    if (n == name) return t;
  return std::nullopt;
}

class Unpickler {
 public:
  Unpickler(std::span<const uint8_t> pkl, const std::string& where, const PickleLimits& lim)
      : in_(pkl, where), where_(where), lim_(lim) {}

  std::vector<PickledTensor> run() {
    if (in_.size() > lim_.max_bytes)
      fail(ErrorKind::Format, where_, "pickle is " + std::to_string(in_.size()) + " bytes, over the limit");
    for (;;) {
      op_pos_ = in_.pos();
      const uint8_t op = in_.u8("opcode");
      if (op == '.') break;  // STOP
      step(op);
    }
    return extract(pop("STOP"));
  }

 private:
  [[noreturn]] void err(const std::string& what) const {
    fail(ErrorKind::Format, where_, what + " (at byte " + std::to_string(op_pos_) + ")");
  }

  uint32_t make(Value v) {
    if (values_.size() >= lim_.max_objects) err("too many pickled objects");
    values_.push_back(std::move(v));
    return uint32_t(values_.size() - 1);
  }
  void push(uint32_t id) {
    if (stack_.size() >= lim_.max_stack) err("pickle stack too deep");
    stack_.push_back(id);
  }
  void push_new(Value v) { push(make(std::move(v))); }
  uint32_t pop(const char* op) {
    if (stack_.size() <= floor()) err(std::string(op) + " on an empty stack");
    uint32_t id = stack_.back();
    stack_.pop_back();
    return id;
  }
  uint32_t top(const char* op) const {
    if (stack_.size() <= floor()) err(std::string(op) + " on an empty stack");
    return stack_.back();
  }
  // Items above the innermost MARK are not reachable by ordinary pops below it.
  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  std::vector<uint32_t> pop_to_mark(const char* op) {
    if (marks_.empty()) err(std::string(op) + " without MARK");
    size_t m = marks_.back();
    marks_.pop_back();
    std::vector<uint32_t> items(stack_.begin() + std::ptrdiff_t(m), stack_.end());
    stack_.resize(m);
    return items;
  }
  Value& at(uint32_t id) { return values_[id]; }
  Value& expect(uint32_t id, Kind k, const std::string& ctx) {
    if (values_[id].kind != k)
      err(ctx + ": expected " + kind_name(k) + ", got " + kind_name(values_[id].kind));
    return values_[id];
  }

  void memo_put(uint64_t idx) {
    uint32_t v = top("PUT");
    if (memo_.size() >= lim_.max_memo && !memo_.count(idx)) err("memo too large");
    memo_[idx] = v;
  }
  void memo_get(uint64_t idx) {
    auto it = memo_.find(idx);
    if (it == memo_.end()) err("GET of unset memo slot " + std::to_string(idx));
    push(it->second);
  }

  std::string_view line(const char* what) {
    // GLOBAL arguments are newline-terminated; cap the search so junk cannot make it quadratic.
    const size_t cap = std::min<size_t>(in_.remaining(), 512);
    ByteCursor probe = in_;
    for (size_t n = 0; n < cap; ++n)
      if (probe.u8(what) == '\n') {
        std::string_view s = in_.take_str(n, what);
        in_.u8(what);
        return s;
      }
    err(std::string("unterminated ") + what);
  }

  // The allowlist: anything not named here is refused before any value is created for it.
  void push_global(std::string_view module, std::string_view name) {
    Value v;
    v.kind = Kind::Global;
    v.s = std::string(module) + "." + std::string(name);
    if (module == "collections" && name == "OrderedDict") {
      v.callable = Callable::OrderedDict;
    } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
      v.callable = Callable::RebuildTensorV2;
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
      v.callable = Callable::RebuildParameter;
    } else if (auto dt = module == "torch" ? storage_dtype(name) : std::nullopt) {
      v.callable = Callable::StorageType;
      v.dtype = *dt;
    } else {
      err("forbidden global " + v.s +
          " (only collections.OrderedDict, torch._utils._rebuild_tensor_v2, "
          "torch._utils._rebuild_parameter and torch.*Storage are allowed)");
    }
    push_new(std::move(v));
  }

  int64_t as_int(uint32_t id, const std::string& ctx) {
    const Value& v = at(id);
    if (v.kind != Kind::Int && v.kind != Kind::Bool) err(ctx + ": expected int, got " + kind_name(v.kind));
    return v.i;
  }

  std::vector<int64_t> int_tuple(uint32_t id, const std::string& ctx) {
    std::vector<uint32_t> items = expect(id, Kind::Tuple, ctx).items;
    if (items.size() > lim_.max_rank) err(ctx + ": rank " + std::to_string(items.size()) + " too large");
    std::vector<int64_t> out;
    for (uint32_t it : items) {
      int64_t x = as_int(it, ctx);
      if (x < 0) err(ctx + ": negative value " + std::to_string(x));
      out.push_back(x);
    }
    return out;
  }

  // ("storage", torch.XStorage, key, location, numel)
  void persistent_load() {
    const uint32_t pid = pop("BINPERSID");
    const std::vector<uint32_t> t = expect(pid, Kind::Tuple, "persistent id").items;
    if (t.size() != 5) err("persistent id must be a 5-tuple, has " + std::to_string(t.size()) + " items");
    if (at(t[0]).kind != Kind::Str || at(t[0]).s != "storage")
      err("persistent id is not a (\"storage\", ...) tuple");
    const Value& cls = expect(t[1], Kind::Global, "persistent id storage type");
    if (cls.callable != Callable::StorageType) err("persistent id names " + cls.s + ", not a storage type");
    Value s;
    s.kind = Kind::Storage;
    s.dtype = cls.dtype;
    s.s = expect(t[2], Kind::Str, "persistent id key").s;
    if (s.s.empty()) err("persistent id with an empty storage key");
    expect(t[3], Kind::Str, "persistent id location");
    s.i = as_int(t[4], "persistent id numel");
    if (s.i < 0) err("storage " + s.s + " has negative numel");
    push_new(std::move(s));
  }

  void reduce() {
    const uint32_t args_id = pop("REDUCE"), fn_id = pop("REDUCE");
    const Value& fn = at(fn_id);
    if (fn.kind != Kind::Global) err(std::string("REDUCE on a ") + kind_name(fn.kind) + ", not a global");
    const std::vector<uint32_t> args = expect(args_id, Kind::Tuple, fn.s + " arguments").items;
    switch (fn.callable) {
      case Callable::OrderedDict: {
        if (!args.empty()) err("collections.OrderedDict called with arguments");
        push_new(of(Kind::Dict));
        return;
      }
      case Callable::RebuildParameter: {  // (data, requires_grad, backward_hooks) -> data
        if (args.size() != 3) err("torch._utils._rebuild_parameter expects 3 arguments");
        expect(args[0], Kind::Tensor, "torch._utils._rebuild_parameter data");
        push(args[0]);
        return;
      }
      case Callable::RebuildTensorV2: {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        const std::string ctx = "torch._utils._rebuild_tensor_v2";
        if (args.size() != 6 && args.size() != 7) err(ctx + " expects 6 or 7 arguments");
        expect(args[0], Kind::Storage, ctx + " storage");
        TensorRecord r;
        r.storage = args[0];
        int64_t off = as_int(args[1], ctx + " storage_offset");
        if (off < 0) err(ctx + ": negative storage_offset");
        r.offset = uint64_t(off);
        r.shape = int_tuple(args[2], ctx + " size");
        r.stride = int_tuple(args[3], ctx + " stride");
        if (r.shape.size() != r.stride.size()) err(ctx + ": size and stride have different ranks");
        tensors_.push_back(std::move(r));
        Value v = of(Kind::Tensor);
        v.i = int64_t(tensors_.size() - 1);
        push_new(std::move(v));
        return;
      }
      case Callable::StorageType:
        err("REDUCE on storage type " + fn.s + " is not allowed");
    }
  }

  void set_items(uint32_t dict_id, const std::vector<uint32_t>& kv, const char* op) {
    Value& d = at(dict_id);
    if (d.kind != Kind::Dict) err(std::string(op) + " on a " + kind_name(d.kind));
    if (kv.size() % 2) err(std::string(op) + " with an odd number of items");
    d.items.insert(d.items.end(), kv.begin(), kv.end());
  }

  void step(uint8_t op) {
    switch (op) {
      case 0x80: {  // PROTO
        uint8_t v = in_.u8("PROTO");
        if (v > 5) err("unsupported pickle protocol " + std::to_string(v));
        return;
      }
      case 0x95:  // FRAME: framing only groups opcodes; the payload follows inline
        if (in_.le<uint64_t>("FRAME") > in_.remaining()) err("FRAME longer than the pickle");
        return;
      case 'c': {  // GLOBAL
        std::string module(line("GLOBAL module"));
        std::string_view name = line("GLOBAL name");
        push_global(module, name);
        return;
      }
      case 0x93: {  // STACK_GLOBAL
        uint32_t n = pop("STACK_GLOBAL"), m = pop("STACK_GLOBAL");
        std::string name = expect(n, Kind::Str, "STACK_GLOBAL name").s;
        push_global(expect(m, Kind::Str, "STACK_GLOBAL module").s, name);
        return;
      }
      case 'q':
        memo_put(in_.u8("BINPUT"));
        return;
      case 'r':
        memo_put(in_.le<uint32_t>("LONG_BINPUT"));
        return;
      case 0x94:
        memo_put(memo_.size());
        return;  // MEMOIZE
      case 'h':
        memo_get(in_.u8("BINGET"));
        return;
      case 'j':
        memo_get(in_.le<uint32_t>("LONG_BINGET"));
        return;
      case '(':  // MARK
        if (marks_.size() >= lim_.max_marks) err("too many nested MARKs");
        marks_.push_back(stack_.size());
        return;
      case ')':
        push_new(of(Kind::Tuple));
        return;
      case 't': {
        Value v = of(Kind::Tuple);
        v.items = pop_to_mark("TUPLE");
        push_new(std::move(v));
        return;
      }
      case 0x85:
      case 0x86:
      case 0x87: {  // TUPLE1..3
        const size_t n = op - 0x84u;
        Value v = of(Kind::Tuple);
        v.items.resize(n);
        for (size_t k = n; k-- > 0;) v.items[k] = pop("TUPLEn");
        push_new(std::move(v));
        return;
      }
      case '}':
        push_new(of(Kind::Dict));
        return;
      case ']':
        push_new(of(Kind::List));
        return;
      case 's': {  // SETITEM
        uint32_t v = pop("SETITEM"), k = pop("SETITEM");
        set_items(top("SETITEM"), {k, v}, "SETITEM");
        return;
      }
      case 'u': {  // SETITEMS
        std::vector<uint32_t> kv = pop_to_mark("SETITEMS");
        set_items(top("SETITEMS"), kv, "SETITEMS");
        return;
      }
      case 'a': {  // APPEND
        uint32_t v = pop("APPEND");
        Value& l = at(top("APPEND"));
        if (l.kind != Kind::List) err(std::string("APPEND to a ") + kind_name(l.kind));
        l.items.push_back(v);
        return;
      }
      case 'e': {  // APPENDS
        std::vector<uint32_t> vs = pop_to_mark("APPENDS");
        Value& l = at(top("APPENDS"));
        if (l.kind != Kind::List) err(std::string("APPENDS to a ") + kind_name(l.kind));
        l.items.insert(l.items.end(), vs.begin(), vs.end());
        return;
      }
      case 'X':
        push_str(in_.le<uint32_t>("BINUNICODE"));
        return;
      case 0x8c:
        push_str(in_.u8("SHORT_BINUNICODE"));
        return;
      case 0x8d:
        push_str(in_.le<uint64_t>("BINUNICODE8"));
        return;
      case 'U':
        push_str(in_.u8("SHORT_BINSTRING"));
        return;
      case 'T': {
        int32_t n = in_.le<int32_t>("BINSTRING");
        if (n < 0) err("BINSTRING with negative length");
        push_str(uint64_t(n));
        return;
      }
      case 'J':
        push_int(in_.le<int32_t>("BININT"));
        return;
      case 'K':
        push_int(in_.u8("BININT1"));
        return;
      case 'M':
        push_int(in_.le<uint16_t>("BININT2"));
        return;
      case 0x8a: {  // LONG1: n-byte two's complement little-endian
        uint8_t n = in_.u8("LONG1");
        if (n > 8) err("LONG1 integer wider than 64 bits");
        auto b = in_.take(n, "LONG1");
        uint64_t u = 0;
        for (size_t k = 0; k < n; ++k) u |= uint64_t(b[k]) << (8 * k);
        if (n > 0 && n < 8 && (b[n - 1] & 0x80)) u |= ~uint64_t(0) << (8 * n);  // sign-extend
        push_int(int64_t(u));
        return;
      }
      case 'G': {  // BINFLOAT, big-endian IEEE double
        auto b = in_.take(8, "BINFLOAT");
        uint64_t u = 0;
        for (size_t k = 0; k < 8; ++k) u = (u << 8) | b[k];
        Value v = of(Kind::Float);
        std::memcpy(&v.f, &u, 8);
        push_new(std::move(v));
        return;
      }
      case 'N':
        push_new(of(Kind::None));
        return;
      case 0x88:
      case 0x89: {
        Value v = of(Kind::Bool);
        v.i = op == 0x88;
        push_new(std::move(v));
        return;
      }
      case 'R':
        reduce();
        return;
      case 'Q':
        persistent_load();
        return;
      case 'b': {  // BUILD: only an OrderedDict's attribute dict (state_dict()._metadata) is accepted
        uint32_t state = pop("BUILD");
        const Value& obj = at(top("BUILD"));
        if (obj.kind != Kind::Dict) err(std::string("BUILD on a ") + kind_name(obj.kind));
        Kind sk = at(state).kind;
        if (sk != Kind::Dict && sk != Kind::None)
          err(std::string("BUILD with a ") + kind_name(sk) + " state");
        return;  // the attributes (_metadata: module versions) do not affect the weights
      }
      default: {
        if (const char* n = refused_opcode_name(op))
          err(std::string("pickle opcode ") + n + " is not allowed");
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", op);
        err(std::string("unknown pickle opcode ") + hex);
      }
    }
  }

  void push_str(uint64_t n) {
    if (n > in_.remaining()) err("string of " + std::to_string(n) + " bytes runs past the end");
    Value v = of(Kind::Str);
    v.s = std::string(in_.take_str(size_t(n), "string"));
    push_new(std::move(v));
  }
  void push_int(int64_t x) {
    Value v = of(Kind::Int);
    v.i = x;
    push_new(std::move(v));
  }

  std::vector<PickledTensor> extract(uint32_t root) {
    const Value& d = at(root);
    if (d.kind != Kind::Dict)
      fail(ErrorKind::Format, where_,
           std::string("pickle holds a ") + kind_name(d.kind) + ", not a state dict");
    std::vector<PickledTensor> out;
    std::set<std::string_view> seen;
    for (size_t k = 0; k + 1 < d.items.size(); k += 2) {
      const Value& key = at(d.items[k]);
      if (key.kind != Kind::Str)
        fail(ErrorKind::Format, where_, std::string("state dict key is a ") + kind_name(key.kind));
      const Value& val = at(d.items[k + 1]);
      if (val.kind != Kind::Tensor)
        fail(ErrorKind::Format, where_ + ":" + key.s,
             std::string("value is a ") + kind_name(val.kind) + ", not a tensor");
      if (!seen.insert(key.s).second) fail(ErrorKind::Format, where_ + ":" + key.s, "duplicate tensor name");
      const TensorRecord& r = tensors_[size_t(val.i)];
      const Value& st = at(r.storage);
      PickledTensor t;
      t.name = key.s;
      t.storage_key = st.s;
      t.storage_dtype = st.dtype;
      t.storage_numel = uint64_t(st.i);
      t.storage_offset = r.offset;
      t.shape = r.shape;
      t.stride = r.stride;
      out.push_back(std::move(t));
    }
    return out;
  }

  ByteCursor in_;
  std::string where_;
  PickleLimits lim_;
  size_t op_pos_ = 0;
  std::vector<Value> values_;
  std::vector<TensorRecord> tensors_;
  std::vector<uint32_t> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint64_t, uint32_t> memo_;
};

}  // namespace

std::vector<PickledTensor> parse_torch_pickle(std::span<const uint8_t> pkl, const std::string& where,
                                              const PickleLimits& limits) {
  return Unpickler(pkl, where, limits).run();
}

}  // namespace janus
