#include <gtest/gtest.h>

#include "io/weights/tensor_store.h"
#include "io/weights/torch_pickle.h"
#include "io/weights/zip_reader.h"
#include "weights_test_util.h"
#include "zip_builder.h"

namespace janus::test {
namespace {

std::vector<PickledTensor> parse(const Bytes& b, const PickleLimits& lim = {}) {
  return parse_torch_pickle(b, "data.pkl", lim);
}

Bytes torch_basic_pickle() {
  static const Bytes file = read_bytes(data_dir() / "torch_basic.bin");
  ZipArchive z(file, "torch_basic.bin");
  auto s = z.stored_data(*z.find("torch_basic/data.pkl"));
  return {s.begin(), s.end()};
}

TEST(Pickle, TorchSaveRecordsMatchTorch) {
  auto recs = parse(torch_basic_pickle());
  const auto& exp = expected()["torch_basic.bin"];
  ASSERT_EQ(recs.size(), exp.size());
  std::map<std::string, std::string> key_of;
  for (const auto& r : recs) {
    SCOPED_TRACE(r.name);
    const auto& e = exp[r.name];
    EXPECT_EQ(dtype_name(r.storage_dtype), e["dtype"].get<std::string>());
    EXPECT_EQ(r.shape, e["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(r.stride, e["stride"].get<std::vector<int64_t>>());
    EXPECT_EQ(r.storage_offset, e["storage_offset"].get<uint64_t>());
    key_of[r.name] = r.storage_key;
  }
  // Views share their base's storage; distinct tensors do not.
  EXPECT_EQ(key_of["base"], key_of["base_t"]);
  EXPECT_EQ(key_of["grid"], key_of["grid_slice"]);
  EXPECT_EQ(key_of["grid"], key_of["grid_row"]);
  EXPECT_EQ(key_of["tied_a"], key_of["tied_b"]);
  EXPECT_NE(key_of["base"], key_of["grid"]);
  // Pickle order is the state dict order.
  EXPECT_EQ(recs.front().name, "w_bf16");
  EXPECT_EQ(recs.back().name, "long_vec");
}

TEST(Pickle, LargeIntegersProtocols2And4) {
  for (const char* f : {"bigint_p2.pkl", "bigint_p4.pkl"}) {
    SCOPED_TRACE(f);
    auto recs = parse(read_bytes(data_dir() / f));
    const auto& exp = expected()[f];
    ASSERT_EQ(recs.size(), exp.size());
    for (const auto& r : recs) {
      const auto& e = exp[r.name];
      EXPECT_EQ(r.storage_key, e["key"].get<std::string>());
      EXPECT_EQ(dtype_name(r.storage_dtype), e["dtype"].get<std::string>());
      EXPECT_EQ(r.storage_numel, e["numel"].get<uint64_t>());
      EXPECT_EQ(r.storage_offset, e["offset"].get<uint64_t>());
      EXPECT_EQ(r.shape, e["shape"].get<std::vector<int64_t>>());
      EXPECT_EQ(r.stride, e["stride"].get<std::vector<int64_t>>());
    }
  }
}

// Each of these runs a shell command when given to Python's pickle.load (checked when the fixtures
// were made). Here they must be refused before anything is resolved, let alone called.
TEST(Pickle, HostilePicklesAreRefusedWithoutRunning) {
  const std::string marker = expected()["pwned_marker"];
  fs::remove(marker);
  const std::pair<const char*, const char*> cases[] = {
      {"os_system.pkl", "forbidden global os.system"},
      {"builtins_eval.pkl", "forbidden global builtins.eval"},
      {"stack_global.pkl", "forbidden global os.system"},
      {"inst.pkl", "opcode INST is not allowed"},
      {"load_from_bytes.pkl", "forbidden global torch.storage._load_from_bytes"},
      {"unknown_opcode.pkl", "unknown pickle opcode 0xff"},
  };
  for (const auto& c : cases) {
    const std::string file = c.first;
    SCOPED_TRACE(file);
    expect_error([&] { parse_torch_pickle(read_bytes(data_dir() / "hostile" / file), file); },
                 {file, c.second});
  }
  const fs::path ck = data_dir() / "hostile" / "os_system.bin";
  expect_error([&] { TensorStore::open_file(ck); }, {ck.string() + ":archive/data.pkl", "os.system"});
  EXPECT_FALSE(fs::exists(marker)) << "a hostile pickle ran";
}

TEST(Pickle, EveryTruncationFailsCleanly) {
  const Bytes full = torch_basic_pickle();
  parse(full);
  for (size_t n = 0; n < full.size(); ++n)
    EXPECT_THROW(parse(Bytes(full.begin(), full.begin() + std::ptrdiff_t(n))), Error) << "prefix " << n;
}

TEST(Pickle, MalformedStreams) {
  auto err = [](Bytes b, std::initializer_list<std::string> frags) {
    expect_error([&] { parse(b); }, frags);
  };
  err({}, {"data.pkl", "truncated opcode"});
  err({0x80, 0x02, '.'}, {"STOP on an empty stack"});
  err({0x80, 0x09, '.'}, {"protocol 9"});
  err({0x80, 0x02, 'h', 0x05, '.'}, {"memo slot 5"});
  err({0x80, 0x02, ']', 'N', 'N', 's', '.'}, {"SETITEM on a list"});
  err({0x80, 0x02, '}', 'N', 'a', '.'}, {"APPEND to a dict"});
  err({0x80, 0x02, 'N', ')', 'R', '.'}, {"REDUCE on a None"});
  err({0x80, 0x02, 't', '.'}, {"TUPLE without MARK"});
  err({0x80, 0x02, '}', '(', 'N', 'u', '.'}, {"odd number"});
  err({0x80, 0x02, 'N', '(', 0x85, '.'}, {"empty stack"});  // TUPLE1 cannot reach below the MARK
  err({0x80, 0x02, 0x8a, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9, '.'}, {"wider than 64 bits"});
  err({0x80, 0x02, 'X', 0xff, 0xff, 0xff, 0x7f, 'a', '.'}, {"runs past the end"});
  err({0x80, 0x02, 'c', 'o', 's'}, {"unterminated GLOBAL module"});
  err({0x80, 0x02, ']', '.'}, {"holds a list, not a state dict"});
  err({0x80, 0x02, '}', 'X', 1, 0, 0, 0, 'k', 'N', 's', '.'}, {"data.pkl:k", "None, not a tensor"});
  err({0x80, 0x02, '}', 'N', 'N', 's', '.'}, {"key is a None"});
  // A storage type called directly, and OrderedDict called with arguments.
  err(PickleBuilder().global("torch", "FloatStorage").raw({')', 'R'}).stop(),
      {"REDUCE on storage type torch.FloatStorage"});
  err(PickleBuilder().global("collections", "OrderedDict").raw({']', 0x85, 'R'}).stop(),
      {"called with arguments"});
  // Persistent ids that are not ("storage", <storage type>, key, location, numel).
  err(PickleBuilder().str("x").raw({'Q', '.'}).stop(), {"persistent id", "expected tuple"});
  err(PickleBuilder()
          .raw({'('})
          .str("storage")
          .global("collections", "OrderedDict")
          .str("0")
          .str("cpu")
          .integer(1)
          .raw({'t', 'Q'})
          .stop(),
      {"not a storage type"});
  err(PickleBuilder()
          .raw({'('})
          .str("storage")
          .global("torch", "FloatStorage")
          .str("0")
          .str("cpu")
          .integer(-1)
          .raw({'t', 'Q'})
          .stop(),
      {"negative numel"});
  // _rebuild_tensor_v2 argument checks.
  err(one_tensor_pickle("FloatStorage", "0", 4, -1, {2}, {1}), {"negative storage_offset"});
  err(one_tensor_pickle("FloatStorage", "0", 4, 0, {-2}, {1}), {"size: negative value"});
  err(one_tensor_pickle("FloatStorage", "0", 4, 0, {2, 2}, {1}), {"different ranks"});
  err(one_tensor_pickle("FloatStorage", "0", 4, 0, std::vector<int64_t>(65, 1), std::vector<int64_t>(65, 1)),
      {"rank 65 too large"});
  // Duplicate names in the state dict.
  PickleBuilder dup;
  dup.ordered_dict().raw({'('}).str("a").tensor("FloatStorage", "0", 1, 0, {1}, {1});
  dup.str("a").tensor("FloatStorage", "0", 1, 0, {1}, {1}).raw({'u'});
  err(dup.stop(), {"data.pkl:a", "duplicate"});
  // BUILD is only accepted on dicts.
  err(PickleBuilder().raw({']', '}', 'b', '.'}).stop(), {"BUILD on a list"});
}

TEST(Pickle, ParameterWrappedTensor) {
  PickleBuilder p;
  p.ordered_dict().raw({'('}).str("w").global("torch._utils", "_rebuild_parameter").raw({'('});
  p.tensor("HalfStorage", "3", 4, 1, {3}, {1}).raw({0x88}).ordered_dict().raw({'t', 'R', 'u'});
  auto recs = parse(p.stop());
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].name, "w");
  EXPECT_EQ(recs[0].storage_dtype, DType::F16);
  EXPECT_EQ(recs[0].storage_offset, 1u);
  EXPECT_EQ(recs[0].shape, std::vector<int64_t>{3});
}

TEST(Pickle, ResourceLimits) {
  // Self-referencing containers are harmless (values refer to each other by index).
  Bytes self = {0x80, 0x02, ']', 'q', 0, 'h', 0, 'a', 'h', 0, 'a', '.'};
  expect_error([&] { parse(self); }, {"holds a list"});
  Bytes marks(5000, '(');
  expect_error([&] { parse(marks); }, {"too many nested MARKs"});
  PickleLimits small;
  small.max_stack = 100;
  Bytes deep(200, 'N');
  expect_error([&] { parse(deep, small); }, {"stack too deep"});
  small = {};
  small.max_objects = 50;
  Bytes many = {0x80, 0x02, ']'};
  for (int i = 0; i < 100; ++i) many.insert(many.end(), {'N', 'a'});
  expect_error([&] { parse(many, small); }, {"too many pickled objects"});
  small = {};
  small.max_memo = 3;
  Bytes memo = {0x80, 0x02, 'N'};
  for (uint8_t i = 0; i < 10; ++i) memo.insert(memo.end(), {'q', i});
  expect_error([&] { parse(memo, small); }, {"memo too large"});
  small = {};
  small.max_bytes = 10;
  expect_error([&] { parse(Bytes(11, 'N'), small); }, {"over the limit"});
}

}  // namespace
}  // namespace janus::test
