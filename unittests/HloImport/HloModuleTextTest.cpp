//===- HloModuleTextTest.cpp - The syntactic model of HLO text ------------===//
//
// Module header, computations, instructions (shapes, operands in the old
// name-only and the newer inline-shape form, raw attributes), line numbers,
// multi-line instructions, comments, the stack-frame tables recent XLA
// appends, and the inputs that must be errors rather than warnings.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/HloImport/HloModuleText.h"

#include "TestUtil.h"

#include "gtest/gtest.h"

using namespace aoizora::hlo;
using namespace aoizora::hlo::test;

namespace {

HloModuleText parseOrDie(llvm::StringRef text) {
  llvm::Expected<HloModuleText> module = parseHloModuleText(text);
  if (!module) {
    ADD_FAILURE() << llvm::toString(module.takeError());
    return HloModuleText();
  }
  return std::move(*module);
}

std::string errorOf(llvm::StringRef text) {
  llvm::Expected<HloModuleText> module = parseHloModuleText(text);
  if (module)
    return "<no error>";
  return llvm::toString(module.takeError());
}

TEST(HloModuleTextTest, Header) {
  HloModuleText m = parseOrDie(readInput("spmd_collectives.txt"));
  EXPECT_EQ(m.name, "jit_train_step");
  EXPECT_EQ(m.numPartitions, 8);
  EXPECT_EQ(m.replicaCount, 1);
  EXPECT_TRUE(llvm::StringRef(m.entryComputationLayout)
                  .starts_with("{(bf16[8,1024]{1,0}, bf16[1024,4096]{1,0}"));
  // The /*index=5*/ marker is a comment and is gone from the kept text.
  EXPECT_EQ(llvm::StringRef(m.entryComputationLayout).find("index"),
            llvm::StringRef::npos);
  EXPECT_EQ(m.frontendAttributes,
            "{fingerprint_before_lhs=\"5c0e1b7a\",xla.sdy.meshes={mesh = "
            "#sdy.mesh<[\"x\"=2, \"y\"=4]>}}");
  ASSERT_GE(m.attributes.size(), 2u);
  EXPECT_EQ(m.attributes[0].key, "is_scheduled");
  EXPECT_EQ(m.attributes[0].value, "true");
  EXPECT_TRUE(m.warnings.empty()) << joinWarnings(m.warnings);
}

TEST(HloModuleTextTest, ComputationsAndInstructions) {
  HloModuleText m = parseOrDie(readInput("spmd_collectives.txt"));
  ASSERT_EQ(m.computations.size(), 2u);
  const HloComputation &add = m.computations[0];
  EXPECT_EQ(add.name, "add.clone");
  EXPECT_FALSE(add.isEntry);
  EXPECT_EQ(add.signature, "(x: f32[], y: f32[]) -> f32[]");
  EXPECT_EQ(add.line, 3u);
  ASSERT_EQ(add.instructions.size(), 3u);
  EXPECT_TRUE(add.instructions[2].isRoot);

  const HloComputation &entry = m.getEntry();
  EXPECT_EQ(entry.name, "main.42_spmd");
  EXPECT_TRUE(entry.isEntry);

  const HloInstruction *param1 = entry.findInstruction("%param.1");
  ASSERT_NE(param1, nullptr);
  EXPECT_EQ(param1->opcode, "parameter");
  EXPECT_EQ(param1->line, 11u);
  ASSERT_TRUE(param1->shape.has_value());
  EXPECT_EQ(param1->shape->str(), "bf16[1024,4096]{1,0}");
  EXPECT_EQ(param1->getAttribute("sharding"),
            "{devices=[1,4,2]<=[2,4]T(1,0) last_tile_dim_replicate}");
  ASSERT_EQ(param1->operands.size(), 1u);
  EXPECT_EQ(param1->operands[0].text, "1");
  EXPECT_TRUE(param1->operands[0].name.empty());

  const HloInstruction *ag = entry.findInstruction("all-gather");
  ASSERT_NE(ag, nullptr);
  EXPECT_EQ(ag->opcode, "all-gather");
  ASSERT_EQ(ag->operands.size(), 1u);
  EXPECT_EQ(ag->operands[0].name, "param");
  EXPECT_FALSE(ag->operands[0].shape.has_value());
  EXPECT_EQ(ag->getAttribute("replica_groups"), "[2,4]<=[8]");
  EXPECT_EQ(ag->getAttribute("metadata"),
            "{op_name=\"jit(train_step)/dot_general\" "
            "source_file=\"/home/user/train.py\" source_line=12}");

  const HloInstruction *tuple = entry.findInstruction("tuple");
  ASSERT_NE(tuple, nullptr);
  EXPECT_TRUE(tuple->isRoot);
  EXPECT_EQ(tuple->operands.size(), 8u);
  ASSERT_TRUE(tuple->shape && tuple->shape->isTuple());
  EXPECT_EQ(tuple->shape->elements.size(), 8u);
  EXPECT_EQ(tuple->operands[5].name, "all-to-all.1");

  const HloInstruction *param3 = entry.findInstruction("param.3");
  ASSERT_TRUE(param3 && param3->shape);
  EXPECT_EQ(param3->shape->str(), "(f32[4]{0}, s32[])");
  const HloInstruction *constant = entry.findInstruction("constant.1");
  ASSERT_NE(constant, nullptr);
  EXPECT_EQ(constant->operands.size(), 1u);
  EXPECT_EQ(constant->operands[0].text, "{1, 2}");
}

TEST(HloModuleTextTest, InlineOperandShapes) {
  HloModuleText m = parseOrDie(readInput("async_collectives.txt"));
  EXPECT_TRUE(m.warnings.empty()) << joinWarnings(m.warnings);
  const HloComputation &entry = m.getEntry();
  const HloInstruction *done = entry.findInstruction("all-gather-done");
  ASSERT_NE(done, nullptr);
  ASSERT_EQ(done->operands.size(), 1u);
  EXPECT_EQ(done->operands[0].name, "all-gather-start");
  ASSERT_TRUE(done->operands[0].shape.has_value());
  EXPECT_EQ(done->operands[0].shape->str(),
            "(bf16[8,128]{1,0}, bf16[8,1024]{1,0})");
  const HloInstruction *start = entry.findInstruction("all-gather-start");
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->getAttribute("backend_config")->substr(0, 25),
            "{\"operation_queue_id\":\"0\"");
}

TEST(HloModuleTextTest, HandWrittenForms) {
  // XLA's own tests omit '%', omit shapes, split instructions over lines
  // and use comments.
  const char *text = R"(HloModule hand_written

// A reducer.
add {
  lhs = f32[] parameter(0)
  rhs = f32[] parameter(1)
  ROOT add = f32[] add(lhs, rhs) /* trailing comment */
}

ENTRY main {
  input = f32[8,256,256] parameter(0)
  ag-start = (f32[8,256,256], f32[16,256,256]) all-gather-start(
    f32[8,256,256] input), replica_groups={{0,1}}, dimensions={0},
    metadata={op_type="AllGather" op_name="ag0"}
  ag-done = f32[16,256,256] all-gather-done(ag-start)
  t = tuple(ag-done, input)
  ROOT r = f32[16,256,256] get-tuple-element(t), index=0
}
)";
  HloModuleText m = parseOrDie(text);
  EXPECT_TRUE(m.warnings.empty()) << joinWarnings(m.warnings);
  ASSERT_EQ(m.computations.size(), 2u);
  const HloComputation &entry = m.getEntry();
  EXPECT_EQ(entry.name, "main");
  ASSERT_EQ(entry.instructions.size(), 5u);
  const HloInstruction &start = entry.instructions[1];
  EXPECT_EQ(start.name, "ag-start");
  EXPECT_EQ(start.line, 12u);
  EXPECT_EQ(start.opcode, "all-gather-start");
  ASSERT_EQ(start.operands.size(), 1u);
  EXPECT_EQ(start.operands[0].name, "input");
  EXPECT_EQ(start.getAttribute("dimensions"), "{0}");
  EXPECT_EQ(start.getAttribute("metadata"),
            "{op_type=\"AllGather\" op_name=\"ag0\"}");
  const HloInstruction &t = entry.instructions[3];
  EXPECT_EQ(t.opcode, "tuple");
  EXPECT_FALSE(t.shape.has_value());
  EXPECT_EQ(t.line, 16u);
}

TEST(HloModuleTextTest, QuotedBackendConfigAndStackFrames) {
  const char *text = R"(HloModule m, entry_computation_layout={(f32[4]{0})->f32[4]{0}}

ENTRY %main (p: f32[4]) -> f32[4] {
  %p = f32[4]{0} parameter(0), metadata={op_name="a, b {c}" stack_frame_id=1}
  ROOT %w = f32[4]{0} custom-call(%p), custom_call_target="foo", backend_config="{\"known_trip_count\":{\"n\":\"4\"}}"
}

FileNames
1 "/tmp/x.py"
FunctionNames
1 "f"
FileLocations
1 {file_name_id=1 function_name_id=1 line=3 end_line=3 column=2 end_column=10}
StackFrames
1 {file_location_id=1 parent_frame_id=1}
)";
  HloModuleText m = parseOrDie(text);
  EXPECT_TRUE(m.warnings.empty()) << joinWarnings(m.warnings);
  const HloInstruction *p = m.getEntry().findInstruction("p");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->getAttribute("metadata"),
            "{op_name=\"a, b {c}\" stack_frame_id=1}");
  const HloInstruction *w = m.getEntry().findInstruction("w");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->getAttribute("backend_config"),
            R"("{\"known_trip_count\":{\"n\":\"4\"}}")");
}

TEST(HloModuleTextTest, MissingEntryUsesLastComputation) {
  HloModuleText m = parseOrDie("HloModule m\n\na {\n  x = f32[] "
                               "parameter(0)\n}\nb {\n  y = f32[] "
                               "parameter(0)\n}\n");
  EXPECT_EQ(m.getEntry().name, "b");
  EXPECT_TRUE(hasWarning(m.warnings, 6, "no ENTRY")) << joinWarnings(m.warnings);
}

TEST(HloModuleTextTest, SplitBraceList) {
  std::optional<std::vector<std::string>> items =
      splitBraceList("{%a, %b.1, {1,2}}");
  ASSERT_TRUE(items.has_value());
  EXPECT_EQ(*items, (std::vector<std::string>{"%a", "%b.1", "{1,2}"}));
  EXPECT_EQ(splitBraceList("{}")->size(), 0u);
  EXPECT_FALSE(splitBraceList("{a").has_value());
  EXPECT_FALSE(splitBraceList("a}").has_value());
  EXPECT_FALSE(splitBraceList("{a}{b}").has_value());
}

TEST(HloModuleTextTest, Errors) {
  EXPECT_EQ(errorOf(""), "line 1: no 'HloModule' header (empty input)");
  EXPECT_EQ(errorOf("\n\nENTRY main {\n}\n"),
            "line 3: expected 'HloModule <name>' header, found 'ENTRY main {'");
  EXPECT_EQ(errorOf("HloModule m, num_partitions=2\n"),
            "line 1: module 'm' has no computation");
  std::string truncated = errorOf(readInput("truncated.txt"));
  EXPECT_EQ(truncated, "line 12: unexpected end of input inside computation "
                       "'main' opened at line 9 (truncated file?)");
}

} // namespace
