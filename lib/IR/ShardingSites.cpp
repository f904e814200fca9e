//===- ShardingSites.cpp - Where sharding annotations live ----------------===//
//
// Walks a generic-form module and records every attribute that holds a mesh,
// a sharding or device groups (see ShardingSites.h).
//
//===----------------------------------------------------------------------===//

#include "AoiZora/IR/ShardingSites.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace aoizora {

static constexpr llvm::StringLiteral kFrontendAttrs = "mhlo.frontend_attributes";

StringRef stringifySiteKind(SiteKind kind) {
  switch (kind) {
  case SiteKind::SdyMesh:
    return "sdy-mesh";
  case SiteKind::SdyMeshDict:
    return "sdy-mesh-dict";
  case SiteKind::SdySharding:
    return "sdy-sharding";
  case SiteKind::SdyShardingPerValue:
    return "sdy-sharding-per-value";
  case SiteKind::HloSharding:
    return "hlo-sharding";
  case SiteKind::ReplicaGroups:
    return "replica-groups";
  case SiteKind::SourceTargetPairs:
    return "source-target-pairs";
  }
  llvm_unreachable("unknown site kind");
}

//===----------------------------------------------------------------------===//
// AttrRef
//===----------------------------------------------------------------------===//

/// The attribute named \p name on the holder itself (not inside the frontend
/// dictionary). Op attributes are looked up among properties and the
/// discardable dictionary alike, since generic-form input may put them in
/// either place.
static Attribute getHolderAttr(const AttrRef &ref, StringRef name) {
  switch (ref.holder) {
  case AttrRef::Holder::Op:
    return ref.op->getAttr(name);
  case AttrRef::Holder::Argument:
    return cast<FunctionOpInterface>(ref.op).getArgAttr(ref.index, name);
  case AttrRef::Holder::Result:
    return cast<FunctionOpInterface>(ref.op).getResultAttr(ref.index, name);
  }
  llvm_unreachable("unknown holder");
}

static void setHolderAttr(const AttrRef &ref, StringRef name, Attribute value) {
  switch (ref.holder) {
  case AttrRef::Holder::Op:
    ref.op->setAttr(name, value);
    return;
  case AttrRef::Holder::Argument:
    cast<FunctionOpInterface>(ref.op).setArgAttr(ref.index, name, value);
    return;
  case AttrRef::Holder::Result:
    cast<FunctionOpInterface>(ref.op).setResultAttr(ref.index, name, value);
    return;
  }
}

Attribute AttrRef::get() const {
  if (frontendKey.empty())
    return getHolderAttr(*this, name);
  auto dict = dyn_cast_or_null<DictionaryAttr>(getHolderAttr(*this, name));
  return dict ? dict.get(frontendKey) : Attribute();
}

void AttrRef::set(Attribute value) const {
  if (frontendKey.empty())
    return setHolderAttr(*this, name, value);
  auto dict = cast<DictionaryAttr>(getHolderAttr(*this, name));
  NamedAttrList entries(dict);
  entries.set(frontendKey, value);
  setHolderAttr(*this, name, entries.getDictionary(op->getContext()));
}

std::string attributeText(Attribute attr) {
  if (!attr)
    return "";
  if (auto str = dyn_cast<StringAttr>(attr))
    return str.getValue().str();
  std::string text;
  llvm::raw_string_ostream os(text);
  attr.print(os);
  return text;
}

std::string AttrRef::getText() const { return attributeText(get()); }

LogicalResult AttrRef::setText(StringRef text) const {
  MLIRContext *ctx = op->getContext();
  if (isa_and_nonnull<StringAttr>(get())) {
    set(StringAttr::get(ctx, text));
    return success();
  }
  // Parse in the op's context: opaque when the dialect is unregistered, a
  // real attribute when it is. Parser diagnostics are re-reported at the op.
  std::string parseError;
  Attribute parsed;
  {
    ScopedDiagnosticHandler handler(ctx, [&](Diagnostic &diag) {
      parseError = diag.str();
      return success();
    });
    parsed = parseAttribute(text, ctx);
  }
  if (!parsed)
    return op->emitError() << "cannot parse rewritten attribute '" << name
                           << "' text '" << text << "': " << parseError;
  set(parsed);
  return success();
}

//===----------------------------------------------------------------------===//
// ShardingSite
//===----------------------------------------------------------------------===//

static std::string symbolNameOf(Operation *op) {
  if (auto name = op->getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName()))
    return ("@" + name.getValue()).str();
  return ("'" + op->getName().getStringRef() + "'").str();
}

std::string ShardingSite::describe() const {
  std::string where;
  switch (ref.holder) {
  case AttrRef::Holder::Argument:
    where = "argument #" + std::to_string(ref.index) + " of ";
    break;
  case AttrRef::Holder::Result:
    where = "result #" + std::to_string(ref.index) + " of ";
    break;
  case AttrRef::Holder::Op:
    where = "'" + ref.name + "' of ";
    break;
  }
  where += symbolNameOf(ref.op);
  if (!ref.frontendKey.empty())
    where += " (" + ref.frontendKey + ")";
  return where;
}

//===----------------------------------------------------------------------===//
// Collection
//===----------------------------------------------------------------------===//

bool isCollectiveWithReplicaGroups(StringRef opName) {
  return llvm::StringSwitch<bool>(opName)
      .Cases({"stablehlo.all_gather", "stablehlo.all_reduce",
              "stablehlo.reduce_scatter", "stablehlo.all_to_all",
              "stablehlo.collective_broadcast"},
             true)
      .Default(false);
}

namespace {
/// Accumulates sites while walking the module.
class SiteCollector {
public:
  explicit SiteCollector(SmallVectorImpl<ShardingSite> &sites)
      : sites(sites) {}

  void visit(Operation *op);

private:
  void add(SiteKind kind, AttrRef ref, TypeRange types = {}) {
    if (!ref.get())
      return;
    ShardingSite site{kind, std::move(ref), {}, {}, {}};
    site.valueTypes.assign(types.begin(), types.end());
    sites.push_back(std::move(site));
  }
  /// Shardings on a value holder: `sdy.sharding`, `mhlo.sharding` and the
  /// round-trip `xla.sdy.sharding` string.
  void addValueShardings(Operation *op, AttrRef::Holder holder, unsigned index,
                         TypeRange types, bool perValue);
  void visitFunction(FunctionOpInterface func);

  SmallVectorImpl<ShardingSite> &sites;
};
} // namespace

void SiteCollector::addValueShardings(Operation *op, AttrRef::Holder holder,
                                      unsigned index, TypeRange types,
                                      bool perValue) {
  SiteKind sdyKind =
      perValue ? SiteKind::SdyShardingPerValue : SiteKind::SdySharding;
  add(sdyKind, AttrRef{op, holder, index, "sdy.sharding", ""}, types);
  add(SiteKind::HloSharding, AttrRef{op, holder, index, "mhlo.sharding", ""},
      types);
  add(sdyKind, AttrRef{op, holder, index, kFrontendAttrs.str(),
                       "xla.sdy.sharding"},
      types);
}

void SiteCollector::visitFunction(FunctionOpInterface func) {
  Operation *op = func.getOperation();
  ArrayRef<Type> argTypes = func.getArgumentTypes();
  for (unsigned i = 0, e = argTypes.size(); i < e; ++i)
    addValueShardings(op, AttrRef::Holder::Argument, i, argTypes[i],
                      /*perValue=*/false);
  ArrayRef<Type> resultTypes = func.getResultTypes();
  for (unsigned i = 0, e = resultTypes.size(); i < e; ++i)
    addValueShardings(op, AttrRef::Holder::Result, i, resultTypes[i],
                      /*perValue=*/false);
}

void SiteCollector::visit(Operation *op) {
  using H = AttrRef::Holder;
  StringRef name = op->getName().getStringRef();

  if (auto module = dyn_cast<ModuleOp>(op)) {
    add(SiteKind::SdyMeshDict,
        AttrRef{op, H::Op, 0, kFrontendAttrs.str(), "xla.sdy.meshes"});
    return;
  }
  if (auto func = dyn_cast<FunctionOpInterface>(op)) {
    visitFunction(func);
    return;
  }
  if (name == "sdy.mesh") {
    size_t before = sites.size();
    add(SiteKind::SdyMesh, AttrRef{op, H::Op, 0, "mesh", ""});
    if (sites.size() > before)
      if (auto sym = op->getAttrOfType<StringAttr>("sym_name"))
        sites.back().meshName = sym.getValue().str();
    return;
  }
  if (name == "sdy.manual_computation" || name == "sdy.named_computation") {
    std::string manual;
    if (Attribute axes = op->getAttr("manual_axes")) {
      llvm::raw_string_ostream os(manual);
      axes.print(os);
    }
    size_t before = sites.size();
    add(SiteKind::SdyShardingPerValue,
        AttrRef{op, H::Op, 0, "in_shardings", ""}, op->getOperandTypes());
    add(SiteKind::SdyShardingPerValue,
        AttrRef{op, H::Op, 0, "out_shardings", ""}, op->getResultTypes());
    for (size_t i = before; i < sites.size(); ++i)
      sites[i].manualAxesText = manual;
  } else if (op->getName().getDialectNamespace() == "sdy") {
    // sharding_constraint, reshard and the sdy collectives carry one
    // sharding for their single result.
    add(SiteKind::SdySharding, AttrRef{op, H::Op, 0, "sharding", ""},
        op->getResultTypes());
    add(SiteKind::SdySharding, AttrRef{op, H::Op, 0, "out_sharding", ""},
        op->getResultTypes());
  }

  if (isCollectiveWithReplicaGroups(name))
    add(SiteKind::ReplicaGroups, AttrRef{op, H::Op, 0, "replica_groups", ""});
  if (name == "stablehlo.collective_permute")
    add(SiteKind::SourceTargetPairs,
        AttrRef{op, H::Op, 0, "source_target_pairs", ""});

  // Per-result shardings on any op, including custom_call @Sharding.
  addValueShardings(op, H::Op, 0, op->getResultTypes(), /*perValue=*/true);
  // The round-trip form of a manual computation: custom calls
  // @xla.sdy.GlobalToLocalShape / @xla.sdy.LocalToGlobalShape carry its
  // shardings as strings (sharding-syntax.md §1.6).
  add(SiteKind::SdyShardingPerValue,
      AttrRef{op, H::Op, 0, kFrontendAttrs.str(), "xla.sdy.in_shardings"},
      op->getOperandTypes());
  add(SiteKind::SdyShardingPerValue,
      AttrRef{op, H::Op, 0, kFrontendAttrs.str(), "xla.sdy.out_shardings"},
      op->getResultTypes());
}

SmallVector<ShardingSite, 0> collectShardingSites(ModuleOp module) {
  SmallVector<ShardingSite, 0> sites;
  SiteCollector collector(sites);
  module->walk<WalkOrder::PreOrder>(
      [&](Operation *op) { collector.visit(op); });
  return sites;
}

FailureOr<SmallVector<SmallVector<int64_t>>>
readDeviceGroups(Attribute attr, std::string *reason) {
  auto fail = [&](const Twine &why) {
    if (reason)
      *reason = why.str();
    return failure();
  };
  auto dense = dyn_cast_or_null<DenseIntElementsAttr>(attr);
  if (!dense)
    return fail("it is not a dense integer elements attribute");
  auto type = cast<ShapedType>(dense.getType());
  if (type.getRank() != 2)
    return fail("it has rank " + Twine(type.getRank()) + ", not 2");
  // A boolean cannot hold a device id (and i1 `true` reads as -1 signed).
  auto element = dyn_cast<IntegerType>(type.getElementType()); // or index
  if (element && element.getWidth() == 1)
    return fail("its elements are i1, which cannot hold device ids");
  bool isUnsigned = element && element.isUnsigned();
  int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
  SmallVector<SmallVector<int64_t>> groups(rows);
  auto it = dense.value_begin<APInt>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c, ++it) {
      const APInt &value = *it;
      if (isUnsigned ? !value.isIntN(63) : !value.isSignedIntN(64))
        return fail("an id does not fit in 64 bits");
      groups[r].push_back(isUnsigned
                              ? static_cast<int64_t>(value.getZExtValue())
                              : value.getSExtValue());
    }
  }
  return groups;
}

FailureOr<SmallVector<std::pair<std::string, std::string>>>
splitAttrDictText(StringRef text) {
  text = text.trim();
  if (!text.consume_front("{") || !text.consume_back("}"))
    return failure();
  SmallVector<std::pair<std::string, std::string>> entries;
  // Split at top-level commas: outside quotes and brackets of any kind.
  int depth = 0;
  bool inString = false;
  size_t start = 0;
  auto flush = [&](size_t end) -> LogicalResult {
    StringRef entry = text.slice(start, end).trim();
    start = end + 1;
    if (entry.empty())
      return success();
    auto [key, value] = entry.split('=');
    if (value.empty() && !entry.contains('='))
      return failure();
    entries.emplace_back(key.trim().trim('"').str(), value.trim().str());
    return success();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (inString) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        inString = false;
      continue;
    }
    if (c == '"')
      inString = true;
    else if (c == '<' || c == '[' || c == '{' || c == '(')
      ++depth;
    else if (c == '>' || c == ']' || c == '}' || c == ')')
      --depth;
    else if (c == ',' && depth == 0 && failed(flush(i)))
      return failure();
  }
  if (depth != 0 || inString || failed(flush(text.size())))
    return failure();
  return entries;
}

} // namespace aoizora
