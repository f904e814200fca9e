//===- TensorGraph.cpp - Build the planner's graph from a module ----------===//
//
// Ops are matched by name with the dialect prefix `stablehlo.` or `mhlo.`
// dropped; attributes of unregistered dialects are read from their printed
// text. See docs/stage1.md, "Reading the module".
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/TensorGraph.h"

#include "AoiZora/IR/ExplicitCollectives.h"
#include "AoiZora/IR/ShardingSites.h"
#include "AoiZora/Planner/Attention.h"
#include "AoiZora/Planner/Candidates.h"
#include "AoiZora/Sharding/Conversion.h"
#include "AoiZora/Sharding/HloSharding.h"
#include "AoiZora/Sharding/Shardy.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace sh = aoizora::sharding;
using aoizora::planner::AxisList;
using aoizora::planner::OpKind;
using aoizora::planner::PartialRule;
using aoizora::planner::ShardingState;

namespace aoizora {

namespace {

/// The integers of `key = [a, b, ...]` inside \p text (empty if absent).
SmallVector<int64_t> intListAfter(StringRef text, StringRef key) {
  SmallVector<int64_t> out;
  size_t pos = text.find(key);
  if (pos == StringRef::npos)
    return out;
  StringRef rest = text.drop_front(pos + key.size()).ltrim(" =");
  if (!rest.consume_front("["))
    return out;
  rest = rest.take_until([](char c) { return c == ']'; });
  SmallVector<StringRef> parts;
  rest.split(parts, ',', -1, false);
  for (StringRef part : parts) {
    int64_t v;
    if (!part.trim().getAsInteger(10, v))
      out.push_back(v);
  }
  return out;
}

/// An i64 array attribute (`array<i64: ...>` or a dense elements attr).
std::optional<SmallVector<int64_t>> readI64Array(Attribute attr) {
  if (auto arr = dyn_cast_or_null<DenseI64ArrayAttr>(attr))
    return SmallVector<int64_t>(arr.asArrayRef());
  if (auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr)) {
    SmallVector<int64_t> out;
    for (const APInt &v : dense.getValues<APInt>())
      out.push_back(v.getSExtValue());
    return out;
  }
  return std::nullopt;
}

std::optional<int64_t> readInt(Attribute attr) {
  if (auto i = dyn_cast_or_null<IntegerAttr>(attr))
    return i.getInt();
  return std::nullopt;
}

StringRef shortName(Operation *op) {
  StringRef name = op->getName().getStringRef();
  if (name.consume_front("stablehlo.") || name.consume_front("mhlo."))
    return name;
  return name;
}

OpKind elementwiseOrUnknown(StringRef name, PartialRule &rule) {
  rule = llvm::StringSwitch<PartialRule>(name)
             .Cases({"add", "subtract"}, PartialRule::Sum)
             .Cases({"convert", "negate", "copy"}, PartialRule::Unary)
             .Case("multiply", PartialRule::Scale)
             .Default(PartialRule::None);
  bool elementwise =
      llvm::StringSwitch<bool>(name)
          .Cases({"add", "subtract", "multiply", "divide", "maximum",
                  "minimum", "power", "remainder", "and", "or", "xor"},
                 true)
          .Cases({"atan2", "exponential", "exponential_minus_one", "log",
                  "log_plus_one", "logistic", "tanh", "tan", "sqrt", "rsqrt",
                  "cbrt"},
                 true)
          .Cases({"negate", "abs", "sine", "cosine", "convert", "floor",
                  "ceil", "round_nearest_even", "round_nearest_afz", "sign",
                  "not", "select", "compare", "clamp", "is_finite", "copy",
                  "popcnt", "shift_left", "shift_right_arithmetic",
                  "shift_right_logical", "real", "imag", "complex",
                  "bitcast_convert", "reduce_precision", "erf"},
                 true)
          .Default(false);
  return elementwise ? OpKind::Elementwise : OpKind::Unknown;
}

/// The op of a reduce's body (`add`, `maximum`, ...), when the body is one
/// op and its return.
std::string reducerOf(Operation *op) {
  if (op->getNumRegions() != 1 || op->getRegion(0).empty())
    return "";
  Block &body = op->getRegion(0).front();
  Operation *only = nullptr;
  for (Operation &inner : body) {
    if (inner.getName().getStringRef().ends_with(".return"))
      continue;
    if (only)
      return "";
    only = &inner;
  }
  return only ? shortName(only).str() : "";
}

/// A custom_call's backend_config as text, without the value of its "body"
/// key (a Mosaic kernel's serialized module: large, base64, and nothing we
/// read; it must not make a kernel look like attention by accident).
std::string backendConfigText(Operation *op) {
  std::string text = attributeText(op->getAttr("backend_config"));
  size_t key = text.find("\"body\"");
  size_t open = key == std::string::npos ? key : text.find('"', key + 6);
  size_t close = open == std::string::npos ? open : text.find('"', open + 1);
  if (close == std::string::npos)
    return text;
  return text.substr(0, open + 1) + text.substr(close);
}

class GraphBuilder {
public:
  GraphBuilder(ModuleOp module, TensorGraphBuild &out) : module(module), out(out) {}

  LogicalResult build(const ModuleShardings &shardings);
  void chooseGspmdMesh(const ModuleShardings &shardings);

private:
  ModuleOp module;
  TensorGraphBuild &out;
  planner::TensorGraph &graph() { return out.graph; }
  DenseMap<Value, unsigned> tensorOf;
  DenseMap<Operation *, ExplicitCollective> explicitOps;
  unsigned callDepth = 0;

  unsigned originOf(Operation *op) {
    out.origins.push_back(op);
    return out.origins.size() - 1;
  }
  void warn(Operation *op, StringRef subject, StringRef message) {
    graph().warn(subject, message, originOf(op));
  }

  static std::string where(Operation *op) {
    if (auto file = dyn_cast<FileLineColLoc>(op->getLoc()))
      return "line " + std::to_string(file.getLine());
    return "";
  }

  unsigned newTensor(Type type, std::string name, bool parameter = false,
                     std::optional<ShardingState> initial = std::nullopt) {
    planner::Tensor t;
    t.name = std::move(name);
    t.isParameter = parameter;
    if (auto ranked = dyn_cast_if_present<RankedTensorType>(type)) {
      for (int64_t d : ranked.getShape())
        t.shape.push_back(ShapedType::isDynamic(d) ? 1 : d);
      Type element = ranked.getElementType();
      int64_t bits = 0;
      if (auto complex = dyn_cast<ComplexType>(element))
        bits = complex.getElementType().isIntOrFloat()
                   ? 2 * complex.getElementType().getIntOrFloatBitWidth()
                   : 0;
      else if (element.isIntOrFloat())
        bits = element.getIntOrFloatBitWidth();
      t.elementBytes = (bits + 7) / 8;
    }
    return graph().addTensor(std::move(t), std::move(initial));
  }

  std::string resultName(Operation *op, unsigned k) {
    std::string name = "'" + op->getName().getStringRef().str() + "'";
    if (op->getNumResults() > 1)
      name += " result #" + std::to_string(k);
    std::string at = where(op);
    return at.empty() ? name : name + " at " + at;
  }

  unsigned lookup(Value v) {
    auto it = tensorOf.find(v);
    if (it != tensorOf.end())
      return it->second;
    // A value defined outside what we walked (should not happen).
    unsigned t = newTensor(v.getType(), "value");
    tensorOf[v] = t;
    return t;
  }

  /// A Shardy sharding as a state in axis names, minus \p dropAxes.
  std::optional<ShardingState> toState(Operation *op, StringRef text,
                                       unsigned rank,
                                       ArrayRef<std::string> dropAxes = {}) {
    llvm::Expected<sh::TensorSharding> parsed = sh::parseTensorSharding(text);
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      return std::nullopt;
    }
    return toState(op, *parsed, rank, dropAxes);
  }
  std::optional<ShardingState> toState(Operation *op,
                                       const sh::TensorSharding &s,
                                       unsigned rank,
                                       ArrayRef<std::string> dropAxes = {}) {
    if (graph().mesh.axes.empty())
      return std::nullopt;
    bool sameMesh = s.inlineMesh ? *s.inlineMesh == graph().mesh
                                 : s.meshName == graph().meshName;
    if (!sameMesh) {
      warn(op, op->getName().getStringRef(),
           "sharding on another mesh than @" + graph().meshName +
               " is not followed (treated as unannotated)");
      return std::nullopt;
    }
    if (s.rank() != int64_t(rank))
      return std::nullopt;
    ShardingState state = ShardingState::replicated(rank);
    auto accept = [&](const sh::AxisRef &ref) {
      if (ref.subAxis) {
        warn(op, op->getName().getStringRef(),
             "sub-axis " + ref.str() +
                 " is not supported (annotation treated as absent)");
        return false;
      }
      return true;
    };
    for (auto [d, dim] : llvm::enumerate(s.dims))
      for (const sh::AxisRef &ref : dim.axes) {
        if (!accept(ref))
          return std::nullopt;
        if (!llvm::is_contained(dropAxes, ref.name))
          state.dims[d].push_back(ref.name);
      }
    for (const sh::AxisRef &ref : s.unreducedAxes) {
      if (!accept(ref))
        return std::nullopt;
      if (!llvm::is_contained(dropAxes, ref.name))
        state.addPartial(ref.name);
    }
    return state;
  }

  /// A GSPMD sharding read on the module's prime-factor mesh (GSPMD-only
  /// modules); warns and returns nothing when it is no axis split.
  std::optional<ShardingState> hloState(Operation *op, StringRef text,
                                        unsigned rank) {
    if (StringRef(text).trim().empty())
      return std::nullopt;
    llvm::Expected<sh::HloSharding> parsed = sh::parseHloSharding(text);
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      return std::nullopt;
    }
    llvm::Expected<sh::TensorSharding> axes =
        sh::toShardySharding(*parsed, graph().mesh, rank);
    if (!axes) {
      warn(op, "mhlo.sharding",
           "'" + text.str() + "' is not an axis split of " +
               sh::printMesh(graph().mesh) + " (" +
               llvm::toString(axes.takeError()) + "; treated as unannotated)");
      return std::nullopt;
    }
    return toState(op, *axes, rank);
  }

  /// The `sdy.sharding` (or round-trip) of a function argument/result.
  std::optional<ShardingState> funcValueState(Operation *func,
                                              AttrRef::Holder holder,
                                              unsigned index, unsigned rank) {
    for (AttrRef ref : {AttrRef{func, holder, index, "sdy.sharding", ""},
                        AttrRef{func, holder, index, "mhlo.frontend_attributes",
                                "xla.sdy.sharding"}})
      if (ref.get())
        return toState(func, ref.getText(), rank);
    AttrRef hlo{func, holder, index, "mhlo.sharding", ""};
    if (hlo.get() && graph().gspmdOnly)
      return hloState(func, hlo.getText(), rank);
    if (hlo.get())
      warn(func, "mhlo.sharding",
           "GSPMD sharding without a Shardy twin is not followed "
           "(treated as unannotated)");
    return std::nullopt;
  }

  /// Per-result shardings of an op (`sdy.sharding` per value).
  SmallVector<std::optional<ShardingState>, 2> resultStates(Operation *op) {
    SmallVector<std::optional<ShardingState>, 2> states(op->getNumResults());
    for (AttrRef ref : {AttrRef{op, AttrRef::Holder::Op, 0, "sdy.sharding", ""},
                        AttrRef{op, AttrRef::Holder::Op, 0,
                                "mhlo.frontend_attributes", "xla.sdy.sharding"}}) {
      if (!ref.get())
        continue;
      auto list = sh::parseShardingPerValue(ref.getText());
      if (!list) {
        llvm::consumeError(list.takeError());
        continue;
      }
      for (unsigned k = 0; k < states.size() && k < list->size(); ++k)
        if (auto ranked = dyn_cast<RankedTensorType>(op->getResult(k).getType()))
          states[k] = toState(op, (*list)[k], ranked.getRank());
      return states;
    }
    // GSPMD-only modules: a single-result op's mhlo.sharding (custom_call
    // @Sharding included) is its result's annotation.
    if (graph().gspmdOnly && states.size() == 1)
      if (Attribute hlo = op->getDiscardableAttr("mhlo.sharding"))
        if (auto ranked = dyn_cast<RankedTensorType>(op->getResult(0).getType()))
          states[0] = hloState(op, attributeText(hlo), ranked.getRank());
    return states;
  }

  unsigned rankOf(Value v) {
    auto ranked = dyn_cast_if_present<RankedTensorType>(v.getType());
    return ranked ? ranked.getRank() : 0;
  }

  /// Adds a constraint op from \p in to a new tensor of \p type.
  unsigned constrain(Operation *op, StringRef name, unsigned in, Type type,
                     std::optional<ShardingState> target, double multiplier,
                     int targetFrom = -1) {
    return addStateOp(OpKind::Constraint, op, name, in, type,
                      std::move(target), multiplier, targetFrom);
  }

  /// Adds an op that sets the sharding state of \p in (a manual
  /// computation's view change) to a new tensor of \p type.
  unsigned setState(Operation *op, StringRef name, unsigned in, Type type,
                    std::optional<ShardingState> target, double multiplier) {
    return addStateOp(OpKind::SetState, op, name, in, type, std::move(target),
                      multiplier, /*targetFrom=*/-1);
  }

  unsigned addStateOp(OpKind kind, Operation *op, StringRef name, unsigned in,
                      Type type, std::optional<ShardingState> target,
                      double multiplier, int targetFrom) {
    unsigned t = newTensor(type, graph().tensors[in].name);
    planner::Op c;
    c.kind = kind;
    c.name = name.str();
    c.origin = originOf(op);
    c.operands = {in};
    c.results = {t};
    c.multiplier = multiplier;
    c.targets = {std::move(target)};
    if (kind == OpKind::Constraint)
      c.targetsFrom = {targetFrom};
    graph().addOp(std::move(c));
    return t;
  }

  /// Walks \p block's ops; returns the tensors of its terminator's operands.
  SmallVector<unsigned> buildBlock(Block &block, double multiplier,
                                   ArrayRef<std::string> manualAxes);
  void buildOp(Operation *op, double multiplier,
               ArrayRef<std::string> manualAxes);
  void buildWhile(Operation *op, double multiplier,
                  ArrayRef<std::string> manualAxes);
  void buildCall(Operation *op, double multiplier,
                 ArrayRef<std::string> manualAxes);
  void buildManual(Operation *op, double multiplier,
                   ArrayRef<std::string> manualAxes);
  void buildNamed(Operation *op, double multiplier,
                  ArrayRef<std::string> manualAxes);
  void buildCustomCall(Operation *op, StringRef target, planner::Op &g);
};

//===----------------------------------------------------------------------===//
// Trip count of a constant loop
//===----------------------------------------------------------------------===//

std::optional<int64_t> splatInt(Operation *def) {
  if (!def)
    return std::nullopt;
  StringRef name = shortName(def);
  if (name != "constant" && def->getName().getStringRef() != "sdy.constant")
    return std::nullopt;
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(def->getAttr("value"));
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APInt>().getSExtValue();
}

std::optional<int64_t> tripCount(Operation *op) {
  if (op->getNumRegions() != 2 || op->getRegion(0).empty() ||
      op->getRegion(1).empty())
    return std::nullopt;
  Block &cond = op->getRegion(0).front();
  Block &body = op->getRegion(1).front();
  Operation *yield = body.empty() ? nullptr : &body.back();
  // A loop-invariant integer: a constant, or a carried value the body
  // passes through unchanged whose initial value is a constant.
  auto constant = [&](Value v) -> std::optional<int64_t> {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != &cond && arg.getOwner() != &body)
        return std::nullopt;
      unsigned k = arg.getArgNumber();
      if (k >= op->getNumOperands() || !yield ||
          k >= yield->getNumOperands() ||
          yield->getOperand(k) != body.getArgument(k))
        return std::nullopt;
      return splatInt(op->getOperand(k).getDefiningOp());
    }
    return splatInt(v.getDefiningOp());
  };
  Operation *condTerm = cond.empty() ? nullptr : &cond.back();
  if (!condTerm || condTerm->getNumOperands() != 1)
    return std::nullopt;
  Operation *cmp = condTerm->getOperand(0).getDefiningOp();
  if (!cmp || shortName(cmp) != "compare" || cmp->getNumOperands() != 2)
    return std::nullopt;
  std::string dir = attributeText(cmp->getAttr("comparison_direction"));
  if (dir.find("LT") == std::string::npos)
    return std::nullopt;
  auto iv = dyn_cast<BlockArgument>(cmp->getOperand(0));
  if (!iv || iv.getOwner() != &cond)
    return std::nullopt;
  unsigned k = iv.getArgNumber();
  std::optional<int64_t> limit = constant(cmp->getOperand(1));
  std::optional<int64_t> start =
      k < op->getNumOperands() ? splatInt(op->getOperand(k).getDefiningOp())
                               : std::nullopt;
  if (!limit || !start || !yield || k >= yield->getNumOperands())
    return std::nullopt;
  Operation *inc = yield->getOperand(k).getDefiningOp();
  if (!inc || shortName(inc) != "add" || inc->getNumOperands() != 2)
    return std::nullopt;
  std::optional<int64_t> step;
  if (inc->getOperand(0) == body.getArgument(k))
    step = constant(inc->getOperand(1));
  else if (inc->getOperand(1) == body.getArgument(k))
    step = constant(inc->getOperand(0));
  if (!step || *step <= 0)
    return std::nullopt;
  return std::max<int64_t>(0, (*limit - *start + *step - 1) / *step);
}

//===----------------------------------------------------------------------===//
// Ops
//===----------------------------------------------------------------------===//

SmallVector<unsigned> GraphBuilder::buildBlock(Block &block, double multiplier,
                                               ArrayRef<std::string> manualAxes) {
  // The terminator: a registered one, or (unregistered dialects) the last
  // op when it is a return (`func.return`, `stablehlo.return`, `sdy.return`).
  Operation *terminator = nullptr;
  if (!block.empty()) {
    Operation &last = block.back();
    StringRef name = last.getName().getStringRef();
    if ((last.isRegistered() && last.hasTrait<OpTrait::IsTerminator>()) ||
        name.ends_with(".return") || name == "sdy.return")
      terminator = &last;
  }
  for (Operation &op : block)
    if (&op != terminator)
      buildOp(&op, multiplier, manualAxes);
  SmallVector<unsigned> results;
  if (terminator)
    for (Value v : terminator->getOperands())
      results.push_back(lookup(v));
  return results;
}

void GraphBuilder::buildOp(Operation *op, double multiplier,
                           ArrayRef<std::string> manualAxes) {
  StringRef full = op->getName().getStringRef();
  StringRef name = shortName(op);
  if (full == "stablehlo.while" || full == "mhlo.while")
    return buildWhile(op, multiplier, manualAxes);
  if (full == "func.call")
    return buildCall(op, multiplier, manualAxes);
  if (full == "sdy.manual_computation")
    return buildManual(op, multiplier, manualAxes);
  if (full == "sdy.named_computation")
    return buildNamed(op, multiplier, manualAxes);
  if (full == "sdy.mesh" || full == "sdy.sharding_group" ||
      (full == "sdy.propagation_barrier" && op->getNumResults() == 0))
    return;

  planner::Op g;
  g.name = full.str();
  g.origin = originOf(op);
  g.multiplier = multiplier;
  for (Value v : op->getOperands())
    g.operands.push_back(lookup(v));
  SmallVector<unsigned> results;
  for (auto [k, v] : llvm::enumerate(op->getResults())) {
    unsigned t = newTensor(v.getType(), resultName(op, k));
    results.push_back(t);
    g.results.push_back(t);
  }

  auto rankOfOperand = [&](unsigned i) {
    return i < op->getNumOperands() ? rankOf(op->getOperand(i)) : 0u;
  };
  auto unknown = [&](StringRef subject, StringRef why) {
    g.kind = OpKind::Unknown;
    warn(op, subject, why);
  };
  static const char *kOpaque =
      "not known to the sharding rules: treated as opaque (operands "
      "gathered to replicated, results replicated)";

  bool dialectOp = full.starts_with("stablehlo.") || full.starts_with("mhlo.");
  PartialRule rule;
  if (full == "sdy.sharding_constraint" || full == "sdy.reshard") {
    g.kind = OpKind::Constraint;
    unsigned rank = op->getNumResults() ? rankOf(op->getResult(0)) : 0;
    g.targets = {toState(op, attributeText(op->getAttr("sharding")), rank)};
  } else if (full == "sdy.propagation_barrier") {
    g.kind = OpKind::Identity;
  } else if (dialectOp &&
             elementwiseOrUnknown(name, rule) == OpKind::Elementwise) {
    g.kind = OpKind::Elementwise;
    g.partialRule = rule;
  } else if (dialectOp && name == "broadcast_in_dim") {
    g.kind = OpKind::BroadcastInDim;
    auto dims = readI64Array(op->getAttr("broadcast_dimensions"));
    if (dims && dims->size() == rankOfOperand(0))
      g.dimensions.assign(dims->begin(), dims->end());
    else
      unknown(full, "broadcast_dimensions not readable; " + std::string(kOpaque));
  } else if (dialectOp && name == "reshape") {
    g.kind = OpKind::Reshape;
  } else if (dialectOp && name == "transpose") {
    g.kind = OpKind::Transpose;
    auto perm = readI64Array(op->getAttr("permutation"));
    if (perm && perm->size() == rankOfOperand(0))
      g.permutation.assign(perm->begin(), perm->end());
    else
      unknown(full, "permutation not readable; " + std::string(kOpaque));
  } else if (dialectOp && (name == "dot_general" || name == "dot")) {
    g.kind = OpKind::DotGeneral;
    unsigned lr = rankOfOperand(0), rr = rankOfOperand(1);
    if (name == "dot") {
      if (lr >= 1 && rr >= 1) {
        g.lhsContract = {int64_t(lr - 1)};
        g.rhsContract = {0};
      }
    } else {
      std::string text = attributeText(op->getAttr("dot_dimension_numbers"));
      g.lhsBatch = intListAfter(text, "lhs_batching_dimensions");
      g.rhsBatch = intListAfter(text, "rhs_batching_dimensions");
      g.lhsContract = intListAfter(text, "lhs_contracting_dimensions");
      g.rhsContract = intListAfter(text, "rhs_contracting_dimensions");
    }
    auto inRange = [](ArrayRef<int64_t> dims, unsigned rank) {
      return llvm::all_of(dims, [&](int64_t d) { return d >= 0 && d < rank; });
    };
    if (op->getNumOperands() != 2 || g.lhsBatch.size() != g.rhsBatch.size() ||
        g.lhsContract.size() != g.rhsContract.size() ||
        !inRange(g.lhsBatch, lr) || !inRange(g.lhsContract, lr) ||
        !inRange(g.rhsBatch, rr) || !inRange(g.rhsContract, rr))
      unknown(full, "dimension numbers not readable; " + std::string(kOpaque));
  } else if (dialectOp && name == "convolution") {
    g.kind = OpKind::Convolution;
    std::string text = attributeText(op->getAttr("dimension_numbers"));
    // `[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]`
    SmallVector<SmallVector<std::string>> parts;
    size_t pos = 0;
    while ((pos = text.find('[', pos)) != std::string::npos) {
      size_t end = text.find(']', pos);
      if (end == std::string::npos)
        break;
      SmallVector<StringRef> items;
      StringRef(text).slice(pos + 1, end).split(items, ',');
      parts.emplace_back();
      for (StringRef item : items)
        parts.back().push_back(item.trim().str());
      pos = end + 1;
    }
    planner::ConvDims &c = g.conv;
    if (parts.size() == 3) {
      auto fill = [](ArrayRef<std::string> spec, StringRef a, StringRef b,
                     int64_t &ia, int64_t &ib, SmallVectorImpl<int64_t> &sp) {
        SmallVector<std::pair<int64_t, int64_t>> spatial;
        for (auto [i, s] : llvm::enumerate(spec)) {
          int64_t k;
          if (s == a)
            ia = i;
          else if (s == b)
            ib = i;
          else if (!StringRef(s).getAsInteger(10, k))
            spatial.push_back({k, int64_t(i)});
        }
        llvm::sort(spatial);
        for (auto [k, i] : spatial)
          sp.push_back(i);
      };
      fill(parts[0], "b", "f", c.inputBatch, c.inputFeature, c.inputSpatial);
      fill(parts[1], "i", "o", c.kernelInputFeature, c.kernelOutputFeature,
           c.kernelSpatial);
      fill(parts[2], "b", "f", c.outputBatch, c.outputFeature, c.outputSpatial);
      c.featureGroupCount =
          readInt(op->getAttr("feature_group_count")).value_or(1);
      c.batchGroupCount = readInt(op->getAttr("batch_group_count")).value_or(1);
    } else {
      unknown(full, "dimension numbers not readable; " + std::string(kOpaque));
    }
  } else if (dialectOp && name == "reduce") {
    g.kind = OpKind::Reduce;
    auto dims = readI64Array(op->getAttr("dimensions"));
    if (dims)
      g.dimensions.assign(dims->begin(), dims->end());
    else
      unknown(full, "dimensions not readable; " + std::string(kOpaque));
    g.reducer = reducerOf(op);
  } else if (dialectOp && name == "concatenate") {
    g.kind = OpKind::Concatenate;
    g.dimension = readInt(op->getAttr("dimension")).value_or(0);
  } else if (dialectOp && (name == "slice" || name == "dynamic_slice" ||
                           name == "pad" || name == "real_dynamic_slice")) {
    g.kind = OpKind::Slice;
  } else if (dialectOp && name == "dynamic_update_slice") {
    g.kind = OpKind::DynamicUpdateSlice;
  } else if (dialectOp && (name == "iota" || name == "constant")) {
    g.kind = OpKind::Source;
  } else if (full == "sdy.constant") {
    g.kind = OpKind::Source;
  } else if (dialectOp && name == "optimization_barrier") {
    g.kind = OpKind::Identity;
  } else if (dialectOp && name == "custom_call") {
    std::string target = attributeText(op->getAttr("call_target_name"));
    if (target == "Sharding") {
      g.kind = OpKind::Identity;
      if (!op->getAttr("sdy.sharding") && op->getAttr("mhlo.sharding") &&
          !graph().gspmdOnly)
        warn(op, "custom_call @Sharding",
             "GSPMD sharding without a Shardy twin is not followed");
    } else {
      buildCustomCall(op, target, g);
    }
  } else if (isExplicitCollective(full)) {
    g.kind = OpKind::ExplicitCollective;
    auto it = explicitOps.find(op);
    if (it == explicitOps.end()) {
      unknown(full, "collective not readable; " + std::string(kOpaque));
    } else {
      const CollectiveSpec &spec = it->second.spec;
      g.collectiveKind = spec.kind;
      g.collectiveBytes = spec.bytes;
      g.writtenSpec = spec;
      if (spec.kind != CollectiveKind::CollectivePermute &&
          spec.kind != CollectiveKind::CollectiveBroadcast) {
        if (spec.groups.empty()) {
          AxisList all;
          for (const sh::MeshAxis &a : graph().mesh.axes)
            all.push_back(a.name);
          g.collectiveAxes = all;
        } else {
          g.collectiveAxes = planner::axesOfGroups(graph().mesh, spec.groups);
        }
      }
    }
  } else {
    unknown(full, op->getNumRegions() ? std::string(kOpaque) +
                                            "; its regions are not followed"
                                      : std::string(kOpaque));
  }
  graph().addOp(std::move(g));

  // Result annotations act as constraints on the results.
  SmallVector<std::optional<ShardingState>, 2> annotated;
  if (full != "sdy.sharding_constraint" && full != "sdy.reshard")
    annotated = resultStates(op);
  for (auto [k, v] : llvm::enumerate(op->getResults())) {
    unsigned t = results[k];
    if (k < annotated.size() && annotated[k])
      t = constrain(op, full.str() + " (result sharding)", t, v.getType(),
                    annotated[k], multiplier);
    tensorOf[v] = t;
  }
}

/// Attention kernels (planner::isAttentionKernel) are priced from their q,
/// k, v operands: the first three floating-point operands of rank >= 3 with
/// the same rank and head dim. Any other custom_call is unpriced: a warning
/// says so, and only the bytes it reads and writes are counted.
void GraphBuilder::buildCustomCall(Operation *op, StringRef target,
                                   planner::Op &g) {
  std::string kernel = attributeText(op->getAttr("kernel_name"));
  std::string config = backendConfigText(op);
  std::string subject = "stablehlo.custom_call @" + target.str();
  if (!kernel.empty())
    subject += " (kernel " + kernel + ")";
  g.kind = OpKind::Unknown;
  if (!planner::isAttentionKernel(target, kernel.empty() ? config : kernel)) {
    warn(op, subject,
         "unpriced: its FLOPs are not counted, only the bytes it reads and "
         "writes; treated as opaque (operands gathered to replicated, "
         "results replicated)");
    return;
  }
  SmallVector<unsigned, 3> qkv;
  for (auto [pos, v] : llvm::enumerate(op->getOperands())) {
    auto ranked = dyn_cast<RankedTensorType>(v.getType());
    if (!ranked || ranked.getRank() < 3 ||
        !isa<FloatType>(ranked.getElementType()))
      continue;
    if (!qkv.empty()) {
      auto q = cast<RankedTensorType>(op->getOperand(qkv[0]).getType());
      if (ranked.getRank() != q.getRank() ||
          ranked.getShape().back() != q.getShape().back())
        continue;
    }
    qkv.push_back(pos);
    if (qkv.size() == 3)
      break;
  }
  if (qkv.size() != 3) {
    warn(op, subject,
         "attention kernel whose q, k and v operands cannot be told apart "
         "(expected three floating-point operands of rank >= 3 with one head "
         "dim): unpriced, treated as opaque");
    return;
  }
  g.kind = OpKind::AttentionKernel;
  g.kernelOperands.assign(qkv.begin(), qkv.end());
  g.causal = StringRef(config).contains("CAUSAL");
}

void GraphBuilder::buildWhile(Operation *op, double multiplier,
                              ArrayRef<std::string> manualAxes) {
  std::optional<int64_t> trips = tripCount(op);
  if (trips) {
    graph().notes.push_back("'" + op->getName().getStringRef().str() + "'" +
                            (where(op).empty() ? "" : " at " + where(op)) +
                            ": constant trip count " +
                            std::to_string(*trips) + ", body counted " +
                            std::to_string(*trips) + " times");
  } else {
    warn(op, op->getName().getStringRef(),
         "trip count is not a constant: the body is counted once");
  }
  double inner = multiplier * double(trips.value_or(1));
  if (op->getNumRegions() != 2 || op->getRegion(1).empty()) {
    warn(op, op->getName().getStringRef(), "malformed loop is ignored");
    return;
  }
  Block &body = op->getRegion(1).front();
  SmallVector<unsigned> carried;
  for (auto [k, arg] : llvm::enumerate(body.getArguments())) {
    unsigned init = k < op->getNumOperands() ? lookup(op->getOperand(k))
                                             : newTensor(arg.getType(), "init");
    // The body argument has the sharding the loop is entered with.
    unsigned t = newTensor(arg.getType(), "loop-carried #" + std::to_string(k));
    planner::Op id;
    id.kind = OpKind::Identity;
    id.name = op->getName().getStringRef().str() + " (loop entry)";
    id.origin = originOf(op);
    id.operands = {init};
    id.results = {t};
    id.multiplier = multiplier;
    graph().addOp(std::move(id));
    tensorOf[arg] = t;
    carried.push_back(t);
  }
  SmallVector<unsigned> yields = buildBlock(body, inner, manualAxes);
  for (auto [k, v] : llvm::enumerate(op->getResults())) {
    if (k >= yields.size() || k >= carried.size()) {
      tensorOf[v] = newTensor(v.getType(), resultName(op, k));
      continue;
    }
    // The next iteration needs the sharding the loop was entered with.
    tensorOf[v] = constrain(op, op->getName().getStringRef().str() +
                                    " (loop-carried value)",
                            yields[k], v.getType(), std::nullopt, inner,
                            int(carried[k]));
  }
}

void GraphBuilder::buildCall(Operation *op, double multiplier,
                             ArrayRef<std::string> manualAxes) {
  auto callee = op->getAttrOfType<FlatSymbolRefAttr>("callee");
  auto func = callee ? SymbolTable::lookupNearestSymbolFrom<FunctionOpInterface>(
                           op, callee.getAttr())
                     : FunctionOpInterface();
  if (!func || func.getFunctionBody().empty() || callDepth > 32) {
    planner::Op g;
    g.kind = OpKind::Unknown;
    g.name = "func.call";
    g.origin = originOf(op);
    g.multiplier = multiplier;
    for (Value v : op->getOperands())
      g.operands.push_back(lookup(v));
    for (auto [k, v] : llvm::enumerate(op->getResults())) {
      unsigned t = newTensor(v.getType(), resultName(op, k));
      g.results.push_back(t);
      tensorOf[v] = t;
    }
    graph().addOp(std::move(g));
    warn(op, "func.call",
         "callee body not available: treated as opaque (operands gathered "
         "to replicated, results replicated)");
    return;
  }
  Block &body = func.getFunctionBody().front();
  for (auto [k, arg] : llvm::enumerate(body.getArguments())) {
    unsigned t = k < op->getNumOperands() ? lookup(op->getOperand(k))
                                          : newTensor(arg.getType(), "arg");
    if (auto s = funcValueState(func, AttrRef::Holder::Argument, k,
                                rankOf(arg)))
      t = constrain(op, "func.call (argument sharding)", t, arg.getType(), s,
                    multiplier);
    tensorOf[arg] = t;
  }
  ++callDepth;
  SmallVector<unsigned> returned = buildBlock(body, multiplier, manualAxes);
  --callDepth;
  for (auto [k, v] : llvm::enumerate(op->getResults())) {
    unsigned t = k < returned.size() ? returned[k]
                                     : newTensor(v.getType(), resultName(op, k));
    if (auto s = funcValueState(func, AttrRef::Holder::Result, k, rankOf(v)))
      t = constrain(op, "func.call (result sharding)", t, v.getType(), s,
                    multiplier);
    tensorOf[v] = t;
  }
}

void GraphBuilder::buildNamed(Operation *op, double multiplier,
                              ArrayRef<std::string> manualAxes) {
  auto perValue = [&](StringRef attr) {
    SmallVector<std::optional<ShardingState>, 2> states;
    if (Attribute a = op->getAttr(attr)) {
      auto list = sh::parseShardingPerValue(attributeText(a));
      if (list) {
        for (const sh::TensorSharding &s : *list)
          states.push_back(toState(op, s, s.rank()));
      } else {
        llvm::consumeError(list.takeError());
      }
    }
    return states;
  };
  auto in = perValue("in_shardings"), outS = perValue("out_shardings");
  if (op->getNumRegions() != 1 || op->getRegion(0).empty())
    return;
  Block &body = op->getRegion(0).front();
  for (auto [k, arg] : llvm::enumerate(body.getArguments())) {
    unsigned t = k < op->getNumOperands() ? lookup(op->getOperand(k))
                                          : newTensor(arg.getType(), "arg");
    if (k < in.size() && in[k])
      t = constrain(op, "sdy.named_computation (in sharding)", t,
                    arg.getType(), in[k], multiplier);
    tensorOf[arg] = t;
  }
  SmallVector<unsigned> returned = buildBlock(body, multiplier, manualAxes);
  for (auto [k, v] : llvm::enumerate(op->getResults())) {
    unsigned t = k < returned.size() ? returned[k]
                                     : newTensor(v.getType(), resultName(op, k));
    if (k < outS.size() && outS[k])
      t = constrain(op, "sdy.named_computation (out sharding)", t,
                    v.getType(), outS[k], multiplier);
    tensorOf[v] = t;
  }
}

void GraphBuilder::buildManual(Operation *op, double multiplier,
                               ArrayRef<std::string> outerManual) {
  SmallVector<std::string> manual(outerManual.begin(), outerManual.end());
  if (Attribute a = op->getAttr("manual_axes")) {
    auto axes = sh::parseManualAxes(attributeText(a));
    if (axes) {
      for (const std::string &axis : *axes) {
        manual.push_back(axis);
        if (!llvm::is_contained(graph().fixedAxes, axis))
          graph().fixedAxes.push_back(axis);
      }
    } else {
      llvm::consumeError(axes.takeError());
    }
  }
  auto perValue = [&](StringRef attr) {
    SmallVector<sh::TensorSharding, 2> list;
    if (Attribute a = op->getAttr(attr)) {
      auto parsed = sh::parseShardingPerValue(attributeText(a));
      if (parsed)
        list.assign(parsed->begin(), parsed->end());
      else
        llvm::consumeError(parsed.takeError());
    }
    return list;
  };
  SmallVector<sh::TensorSharding, 2> in = perValue("in_shardings"),
                                   outS = perValue("out_shardings");
  if (op->getNumRegions() != 1 || op->getRegion(0).empty())
    return;
  Block &body = op->getRegion(0).front();
  std::string name = op->getName().getStringRef().str();
  for (auto [k, arg] : llvm::enumerate(body.getArguments())) {
    unsigned t = k < op->getNumOperands() ? lookup(op->getOperand(k))
                                          : newTensor(arg.getType(), "arg");
    std::optional<ShardingState> global, local;
    if (k < in.size()) {
      unsigned rank = rankOf(arg);
      global = toState(op, in[k], rank);
      local = toState(op, in[k], rank, manual);
    }
    Type globalType = k < op->getNumOperands() ? op->getOperand(k).getType()
                                               : arg.getType();
    t = constrain(op, name + " (in sharding)", t, globalType, global,
                  multiplier);
    t = setState(op, name + " (local view)", t, arg.getType(), local,
                 multiplier);
    tensorOf[arg] = t;
  }
  SmallVector<unsigned> returned = buildBlock(body, multiplier, manual);
  for (auto [k, v] : llvm::enumerate(op->getResults())) {
    if (k >= returned.size()) {
      tensorOf[v] = newTensor(v.getType(), resultName(op, k));
      continue;
    }
    std::optional<ShardingState> global, local;
    if (k < outS.size()) {
      unsigned rank = rankOf(v);
      global = toState(op, outS[k], rank);
      local = toState(op, outS[k], rank, manual);
    }
    Type localType = v.getType();
    if (!body.empty() && k < body.back().getNumOperands())
      localType = body.back().getOperand(k).getType();
    unsigned t = constrain(op, name + " (out sharding)", returned[k],
                           localType, local, multiplier);
    t = setState(op, name + " (global view)", t, v.getType(), global,
                 multiplier);
    tensorOf[v] = t;
  }
}

/// GSPMD-only modules have no named axes: read their HLO shardings on the
/// mesh of the device count's prime factors (in the order that expresses
/// the most of them), whose axes XLA's importer would also invent. The
/// candidate set is then the module's own tiling.
void GraphBuilder::chooseGspmdMesh(const ModuleShardings &shardings) {
  graph().gspmdOnly = true;
  std::vector<sh::HloSharding> tiled;
  SmallVector<int64_t> ranks;
  for (const ValueSharding &v : shardings.values()) {
    if (!v.sdyText.empty() || v.distinctTiles <= 1)
      continue;
    llvm::Expected<sh::HloSharding> parsed = sh::parseHloSharding(v.hloText);
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      continue;
    }
    if (parsed->kind != sh::HloSharding::Kind::Tiled)
      continue;
    ranks.push_back(parsed->dataRank());
    tiled.push_back(std::move(*parsed));
  }
  if (tiled.empty())
    return;
  unsigned bestCount = 0;
  for (const sh::Mesh &mesh :
       sh::primeFactorMeshes(shardings.deviceCount())) {
    unsigned count = 0;
    for (auto [hlo, rank] : llvm::zip(tiled, ranks)) {
      llvm::Expected<sh::TensorSharding> axes =
          sh::toShardySharding(hlo, mesh, rank);
      count += static_cast<bool>(axes);
      if (!axes)
        llvm::consumeError(axes.takeError());
    }
    if (count > bestCount) {
      bestCount = count;
      graph().mesh = mesh;
    }
  }
  if (graph().mesh.axes.empty())
    return;
  for (const sh::MeshAxis &axis : graph().mesh.axes)
    graph().fixedAxes.push_back(axis.name);
  graph().notes.push_back(
      "GSPMD-only module (no named mesh axes): its HLO shardings are read on "
      "the mesh " + sh::printMesh(graph().mesh) +
      " (one axis per prime factor of the device count); the candidate set "
      "is the module's own tiling");
}

LogicalResult GraphBuilder::build(const ModuleShardings &shardings) {
  // The mesh: the first named mesh with axes.
  for (const MeshInfo &info : shardings.meshes())
    if (!info.mesh.axes.empty()) {
      graph().mesh = info.mesh;
      graph().meshName = info.name;
      break;
    }
  if (graph().mesh.axes.empty())
    chooseGspmdMesh(shardings);
  for (const MeshInfo &info : shardings.meshes())
    if (!info.mesh.axes.empty() && info.name != graph().meshName &&
        info.mesh != graph().mesh)
      graph().notes.push_back("mesh @" + info.name + " is not used: only @" +
                              graph().meshName + " is planned");

  // The entry function.
  FunctionOpInterface entry;
  SmallVector<FunctionOpInterface> publicFuncs;
  for (Operation &op : module.getBody()->getOperations())
    if (auto func = dyn_cast<FunctionOpInterface>(&op)) {
      if (func.getName() == "main")
        entry = func;
      if (func.isPublic() && !func.isExternal())
        publicFuncs.push_back(func);
    }
  if (!entry && publicFuncs.size() == 1)
    entry = publicFuncs.front();
  if (!entry || entry.isExternal())
    return module.emitError()
           << "no entry function: expected @main or a single public function";

  FailureOr<SmallVector<ExplicitCollective, 0>> collectives =
      collectExplicitCollectives(module, shardings.deviceCount());
  if (failed(collectives))
    return failure();
  for (const ExplicitCollective &c : *collectives)
    explicitOps[c.op] = c;

  Block &body = entry.getFunctionBody().front();
  std::string fname = entry.getName().str();
  for (auto [k, arg] : llvm::enumerate(body.getArguments())) {
    std::optional<ShardingState> s = funcValueState(
        entry, AttrRef::Holder::Argument, k, rankOf(arg));
    tensorOf[arg] = newTensor(arg.getType(),
                              "argument #" + std::to_string(k) + " of @" + fname,
                              /*parameter=*/true, s);
  }
  SmallVector<unsigned> returned = buildBlock(body, 1.0, {});
  // Results: their annotation, or at least fully reduced.
  Operation *ret = body.empty() ? entry.getOperation() : &body.back();
  for (auto [k, t] : llvm::enumerate(returned)) {
    Type type = k < ret->getNumOperands() ? ret->getOperand(k).getType()
                                          : Type();
    unsigned rank = graph().tensors[t].rank();
    std::optional<ShardingState> s =
        funcValueState(entry, AttrRef::Holder::Result, k, rank);
    constrain(ret, "func.return", t, type, s, 1.0);
  }
  return success();
}

} // namespace

std::optional<int64_t> constantTripCount(Operation *whileOp) {
  return tripCount(whileOp);
}

FailureOr<TensorGraphBuild> buildTensorGraph(ModuleOp module,
                                             const ModuleShardings &shardings) {
  TensorGraphBuild result;
  GraphBuilder builder(module, result);
  if (failed(builder.build(shardings)))
    return failure();
  return result;
}

} // namespace aoizora
