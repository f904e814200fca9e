//===- Emitter.h - Generic-form StableHLO text of ops and shardings ---------===//
//
// Writes generic-form MLIR text one op at a time: values with shapes, the
// StableHLO ops the generator uses, Shardy and GSPMD sharding attributes on a
// plan's row-major mesh, and constant-trip `stablehlo.while` loops in the
// form stage 1 counts. Knows nothing about the model.
//
//===----------------------------------------------------------------------===//

#ifndef AOIZORA_WAN_GEN_EMITTER_H
#define AOIZORA_WAN_GEN_EMITTER_H

#include "Plan.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <set>

namespace aoizora::wangen {

struct Val {
  std::string name;
  Shape shape;
  std::string elt = "bf16";
};

inline std::string typeOf(const Shape &shape, StringRef elt = "bf16") {
  std::string s = "tensor<";
  for (int64_t d : shape)
    s += std::to_string(d) + "x";
  return s + elt.str() + ">";
}
inline std::string typeOf(const Val &v) { return typeOf(v.shape, v.elt); }
inline std::string typesOf(llvm::ArrayRef<Val> vals) {
  std::string s;
  for (auto [i, v] : llvm::enumerate(vals))
    s += (i ? ", " : "") + typeOf(v);
  return s;
}
inline std::string namesOf(llvm::ArrayRef<Val> vals) {
  std::string s;
  for (auto [i, v] : llvm::enumerate(vals))
    s += (i ? ", " : "") + v.name;
  return s;
}
inline std::string i64Array(llvm::ArrayRef<int64_t> v) {
  return v.empty() ? "array<i64>" : "array<i64: " + joinInts(v, ", ") + ">";
}
inline std::string intList(llvm::ArrayRef<int64_t> v) {
  return "[" + joinInts(v, ", ") + "]";
}


class Emitter {
public:
  Emitter(const Plan &plan, llvm::raw_ostream &os) : p(plan), os(os) {}

protected:
  const Plan &p;
  llvm::raw_ostream &os;
  unsigned indent = 0;
  unsigned counter = 0;
  unsigned channel = 0;

  std::string fresh(StringRef hint) {
    return "%" + hint.str() + "_" + std::to_string(counter++);
  }
  llvm::raw_ostream &line() {
    os.indent(indent);
    return os;
  }

  //--- shardings -------------------------------------------------------===//

  std::string sdySpec(const Spec &spec) const {
    std::string s = "<@mesh, [";
    for (auto [i, axes] : llvm::enumerate(spec)) {
      s += i ? ", {" : "{";
      for (auto [j, a] : llvm::enumerate(axes))
        s += (j ? ", \"" : "\"") + a + "\"";
      s += "}";
    }
    return s + "]>";
  }
  std::string sdySharding(const Spec &spec) const {
    return "#sdy.sharding" + sdySpec(spec);
  }
  std::string sdyPerValue(llvm::ArrayRef<Spec> specs) const {
    std::string s = "#sdy.sharding_per_value<[";
    for (auto [i, spec] : llvm::enumerate(specs))
      s += (i ? ", " : "") + sdySpec(spec);
    return s + "]>";
  }
  /// The GSPMD tile assignment of \p spec on the row-major mesh.
  std::string hloSharding(const Spec &spec) const {
    std::vector<int64_t> tile;
    std::vector<int> order; // mesh axes (size > 1) in tile order
    std::set<int> used;
    for (const AxisList &axes : spec) {
      int64_t n = 1;
      for (const std::string &a : axes) {
        int i = p.axisIndex(a);
        n *= p.mesh[i].second;
        used.insert(i);
        if (p.mesh[i].second > 1)
          order.push_back(i);
      }
      tile.push_back(n);
    }
    if (llvm::all_of(tile, [](int64_t t) { return t == 1; }))
      return "{replicated}";
    int64_t rep = 1;
    for (auto [i, a] : llvm::enumerate(p.mesh))
      if (!used.count(int(i)) && a.second > 1) {
        rep *= a.second;
        order.push_back(int(i));
      }
    if (rep > 1)
      tile.push_back(rep);
    // Positions among the mesh axes of size > 1.
    std::vector<int64_t> dims;
    std::map<int, int64_t> position;
    for (auto [i, a] : llvm::enumerate(p.mesh))
      if (a.second > 1) {
        position[int(i)] = int64_t(dims.size());
        dims.push_back(a.second);
      }
    std::vector<int64_t> perm;
    for (int i : order)
      perm.push_back(position[i]);
    bool identity = true;
    for (auto [k, v] : llvm::enumerate(perm))
      identity &= int64_t(k) == v;
    std::string s = "{devices=[" + joinInts(tile, ",") + "]<=[";
    if (identity)
      s += std::to_string(p.numDevices()) + "]";
    else
      s += joinInts(dims, ",") + "]T(" + joinInts(perm, ",") + ")";
    if (rep > 1)
      s += " last_tile_dim_replicate";
    return s + "}";
  }
  std::string argAttr(const Spec &spec) const {
    if (p.gspmd)
      return "{mhlo.sharding = \"" + hloSharding(spec) + "\"}";
    return "{sdy.sharding = " + sdySharding(spec) + "}";
  }

  //--- mesh geometry ---------------------------------------------------===//

  std::vector<int64_t> coordsOf(int64_t id) const {
    std::vector<int64_t> c(p.mesh.size());
    for (int i = int(p.mesh.size()) - 1; i >= 0; --i) {
      c[i] = id % p.mesh[i].second;
      id /= p.mesh[i].second;
    }
    return c;
  }
  int64_t idOf(const std::vector<int64_t> &c) const {
    int64_t id = 0;
    for (auto [i, a] : llvm::enumerate(p.mesh))
      id = id * a.second + c[i];
    return id;
  }
  /// Device groups that differ only along \p axis (row-major ids).
  std::vector<std::vector<int64_t>> groupsOver(StringRef axis) const {
    int k = p.axisIndex(axis);
    std::vector<std::vector<int64_t>> groups;
    for (int64_t id = 0; id < p.numDevices(); ++id) {
      std::vector<int64_t> c = coordsOf(id);
      if (c[k] != 0)
        continue;
      std::vector<int64_t> g;
      for (int64_t j = 0; j < p.mesh[k].second; ++j) {
        c[k] = j;
        g.push_back(idOf(c));
      }
      groups.push_back(g);
    }
    return groups;
  }
  static std::string denseGroups(const std::vector<std::vector<int64_t>> &g) {
    std::string s = "dense<[";
    for (auto [i, row] : llvm::enumerate(g))
      s += (i ? ", [" : "[") + joinInts(row, ", ") + "]";
    return s + "]> : tensor<" + std::to_string(g.size()) + "x" +
           std::to_string(g.empty() ? 0 : g[0].size()) + "xi64>";
  }

  //--- ops ---------------------------------------------------------------===//

  /// `%r = "name"(operands) <{props}> {attrs} : (types) -> type`.
  Val op(StringRef name, llvm::ArrayRef<Val> operands, Shape shape,
         StringRef props = "", StringRef attrs = "", StringRef hint = "v",
         StringRef elt = "bf16") {
    Val r{fresh(hint), std::move(shape), elt.str()};
    line() << r.name << " = \"" << name << "\"(" << namesOf(operands) << ")";
    if (!props.empty())
      os << " <{" << props << "}>";
    if (!attrs.empty())
      os << " {" << attrs << "}";
    os << " : (" << typesOf(operands) << ") -> " << typeOf(r) << "\n";
    return r;
  }
  Val constantScalar(StringRef value, StringRef elt, StringRef hint = "c") {
    Val r{fresh(hint), {}, elt.str()};
    line() << r.name << " = \"stablehlo.constant\"() <{value = dense<" << value
           << "> : " << typeOf(r) << "}> : () -> " << typeOf(r) << "\n";
    return r;
  }
  Val constantSplat(StringRef value, const Shape &shape, StringRef hint) {
    Val r{fresh(hint), shape, "bf16"};
    line() << r.name << " = \"stablehlo.constant\"() <{value = dense<" << value
           << "> : " << typeOf(r) << "}> : () -> " << typeOf(r) << "\n";
    return r;
  }
  Val dot(const Val &lhs, const Val &rhs, llvm::ArrayRef<int64_t> lb,
          llvm::ArrayRef<int64_t> rb, llvm::ArrayRef<int64_t> lc,
          llvm::ArrayRef<int64_t> rc, StringRef hint,
          StringRef elt = "bf16") {
    Shape shape;
    for (int64_t d : lb)
      shape.push_back(lhs.shape[d]);
    for (auto [i, d] : llvm::enumerate(lhs.shape))
      if (!llvm::is_contained(lb, int64_t(i)) &&
          !llvm::is_contained(lc, int64_t(i)))
        shape.push_back(d);
    for (auto [i, d] : llvm::enumerate(rhs.shape))
      if (!llvm::is_contained(rb, int64_t(i)) &&
          !llvm::is_contained(rc, int64_t(i)))
        shape.push_back(d);
    std::string dims = "dot_dimension_numbers = #stablehlo.dot<";
    if (!lb.empty())
      dims += "lhs_batching_dimensions = " + intList(lb) +
              ", rhs_batching_dimensions = " + intList(rb) + ", ";
    dims += "lhs_contracting_dimensions = " + intList(lc) +
            ", rhs_contracting_dimensions = " + intList(rc) + ">";
    return op("stablehlo.dot_general", {lhs, rhs}, shape, dims, "", hint, elt);
  }
  /// x[..., k] x w[k, n] -> [..., n].
  Val matmul(const Val &x, const Val &w, StringRef hint) {
    return dot(x, w, {}, {}, {int64_t(x.shape.size()) - 1}, {0}, hint);
  }
  Val ew(StringRef name, llvm::ArrayRef<Val> operands, StringRef hint) {
    return op(("stablehlo." + name).str(), operands, operands[0].shape, "", "",
              hint, operands[0].elt);
  }
  Val reshape(const Val &x, Shape shape, StringRef hint) {
    return op("stablehlo.reshape", {x}, std::move(shape), "", "", hint, x.elt);
  }
  Val transpose(const Val &x, llvm::ArrayRef<int64_t> perm, StringRef hint) {
    Shape shape;
    for (int64_t d : perm)
      shape.push_back(x.shape[d]);
    return op("stablehlo.transpose", {x}, shape,
              "permutation = " + i64Array(perm), "", hint, x.elt);
  }
  Val broadcast(const Val &x, Shape shape, llvm::ArrayRef<int64_t> dims,
                StringRef hint) {
    return op("stablehlo.broadcast_in_dim", {x}, std::move(shape),
              "broadcast_dimensions = " + i64Array(dims), "", hint, x.elt);
  }
  /// A sum over \p dims.
  Val reduceSum(const Val &x, llvm::ArrayRef<int64_t> dims, StringRef hint) {
    return reduce(x, dims, "add", "0.000000e+00", hint);
  }
  /// A reduction over \p dims whose body is `stablehlo.<reducer>`, starting
  /// from the scalar \p init, in \p x's element type.
  Val reduce(const Val &x, llvm::ArrayRef<int64_t> dims, StringRef reducer,
             StringRef init, StringRef hint) {
    Val start = constantScalar(init, x.elt, reducer == "add" ? "zero" : "init");
    Shape shape;
    for (auto [i, d] : llvm::enumerate(x.shape))
      if (!llvm::is_contained(dims, int64_t(i)))
        shape.push_back(d);
    Val r{fresh(hint), shape, x.elt};
    std::string a = fresh("a"), b = fresh("b"), s = fresh("s");
    std::string scalar = typeOf(Shape{}, x.elt);
    line() << r.name << " = \"stablehlo.reduce\"(" << x.name << ", "
           << start.name << ") <{dimensions = " << i64Array(dims)
           << "}> ({\n";
    line() << "^bb0(" << a << ": " << scalar << ", " << b << ": " << scalar
           << "):\n";
    indent += 2;
    line() << s << " = \"stablehlo." << reducer << "\"(" << a << ", " << b
           << ") : (" << scalar << ", " << scalar << ") -> " << scalar << "\n";
    line() << "\"stablehlo.return\"(" << s << ") : (" << scalar << ") -> ()\n";
    indent -= 2;
    line() << "}) : (" << typeOf(x) << ", " << scalar << ") -> " << typeOf(r)
           << "\n";
    return r;
  }
  Val slice(const Val &x, Shape start, Shape limit, StringRef hint) {
    Shape shape, strides;
    for (size_t i = 0; i < start.size(); ++i) {
      shape.push_back(limit[i] - start[i]);
      strides.push_back(1);
    }
    return op("stablehlo.slice", {x}, shape,
              "limit_indices = " + i64Array(limit) + ", start_indices = " +
                  i64Array(start) + ", strides = " + i64Array(strides),
              "", hint);
  }
  /// A sharding constraint (Shardy) or custom_call @Sharding (GSPMD).
  Val constrain(const Val &x, const Spec &spec, StringRef hint) {
    if (p.gspmd)
      return op("stablehlo.custom_call", {x}, x.shape,
                "call_target_name = \"Sharding\"",
                "mhlo.sharding = \"" + hloSharding(spec) + "\"", hint);
    return op("sdy.sharding_constraint", {x}, x.shape,
              "sharding = " + sdySharding(spec), "", hint);
  }


  /// A `stablehlo.while` of \p trips iterations in the form stage 1 counts
  /// as a constant trip count (docs/stage1.md): a counter carried first,
  /// from 0, +1 per trip, `compare LT` a constant. \p body gets the counter
  /// and the carried values and returns their next values; the loop's
  /// results for \p init are returned.
  std::vector<Val>
  countedLoop(StringRef hint, int64_t trips, const std::vector<Val> &init,
              llvm::function_ref<std::vector<Val>(const Val &,
                                                  const std::vector<Val> &)>
                  body) {
    std::vector<Val> all{constantScalar("0", "i64", "i0")};
    all.insert(all.end(), init.begin(), init.end());
    std::vector<Val> condArgs, bodyArgs;
    for (const Val &x : all) {
      condArgs.push_back({fresh("ca"), x.shape, x.elt});
      bodyArgs.push_back({fresh("ba"), x.shape, x.elt});
    }
    auto sig = [&](const std::vector<Val> &args) {
      std::string s;
      for (auto [j, a] : llvm::enumerate(args))
        s += (j ? ", " : "") + a.name + ": " + typeOf(a);
      return s;
    };
    std::string w = fresh(hint);
    line() << w << ":" << all.size() << " = \"stablehlo.while\"("
           << namesOf(all) << ") ({\n";
    line() << "^bb0(" << sig(condArgs) << "):\n";
    indent += 2;
    Val limit = constantScalar(std::to_string(trips), "i64", "trips");
    Val cmp = op("stablehlo.compare", {condArgs[0], limit}, {},
                 "comparison_direction = #stablehlo<comparison_direction LT>",
                 "", "more", "i1");
    line() << "\"stablehlo.return\"(" << cmp.name << ") : (tensor<i1>) -> ()\n";
    indent -= 2;
    line() << "}, {\n";
    line() << "^bb0(" << sig(bodyArgs) << "):\n";
    indent += 2;
    std::vector<Val> carried(bodyArgs.begin() + 1, bodyArgs.end());
    std::vector<Val> next = body(bodyArgs[0], carried);
    Val one = constantScalar("1", "i64", "one");
    std::vector<Val> yield{
        op("stablehlo.add", {bodyArgs[0], one}, {}, "", "", "inext", "i64")};
    yield.insert(yield.end(), next.begin(), next.end());
    line() << "\"stablehlo.return\"(" << namesOf(yield) << ") : ("
           << typesOf(yield) << ") -> ()\n";
    indent -= 2;
    line() << "}) : (" << typesOf(all) << ") -> (" << typesOf(all) << ")\n";
    std::vector<Val> results;
    for (auto [j, x] : llvm::enumerate(init))
      results.push_back({w + "#" + std::to_string(j + 1), x.shape, x.elt});
    return results;
  }
  /// `dynamic_slice` of size 1 at \p index along dimension \p dim (the
  /// other dimensions whole), with that dimension reshaped away.
  Val sliceChunk(const Val &x, int64_t dim, const Val &index, StringRef hint) {
    Val zero = constantScalar("0", "i64", "z");
    std::vector<Val> operands{x};
    Shape one = x.shape, dropped;
    one[dim] = 1;
    for (int64_t j = 0; j < int64_t(x.shape.size()); ++j) {
      operands.push_back(j == dim ? index : zero);
      if (j != dim)
        dropped.push_back(x.shape[j]);
    }
    Val sl = op("stablehlo.dynamic_slice", operands, one,
                "slice_sizes = " + i64Array(one), "", hint);
    return reshape(sl, dropped, hint);
  }
  /// Writes \p update (\p base's shape without dimension \p dim) into
  /// \p base at \p index along \p dim with `dynamic_update_slice`.
  Val updateChunk(const Val &base, const Val &update, int64_t dim,
                  const Val &index, StringRef hint) {
    Val zero = constantScalar("0", "i64", "z");
    Shape one = base.shape;
    one[dim] = 1;
    std::vector<Val> operands{base, reshape(update, one, hint)};
    for (int64_t j = 0; j < int64_t(base.shape.size()); ++j)
      operands.push_back(j == dim ? index : zero);
    return op("stablehlo.dynamic_update_slice", operands, base.shape, "", "",
              hint);
  }
};

} // namespace aoizora::wangen

#endif // AOIZORA_WAN_GEN_EMITTER_H
