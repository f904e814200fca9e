//===- FlowNetwork.cpp - Fluid simulation of link flows -------------------===//
//
// The event loop and the max-min fair rate solver of the simulator. The loop
// keeps the active flows (started, not finished) and a heap of flows waiting
// for their start delay to pass. Between two events every rate is constant,
// so the next event is the earliest of the next start and the earliest
// finish at the current rates.
//
//===----------------------------------------------------------------------===//

#include "AoiZora/Sim/FlowNetwork.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <utility>

using namespace llvm;

namespace aoizora {
namespace sim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Events closer than this (relative to the current time, plus an absolute
/// femtosecond) are one event. Flows that finish "together" by construction
/// (the symmetric steps of a ring) differ only by rounding, and coalescing
/// them keeps the event count at one per step instead of one per flow.
constexpr double kRelTimeTol = 1e-9;
constexpr double kAbsTimeTol = 1e-15;

double timeTol(double t) { return kRelTimeTol * t + kAbsTimeTol; }

Error makeError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

/// Max-min fair rates of the active flows by progressive filling: every
/// unfrozen flow's rate rises at the same pace until some link is full; the
/// flows crossing a full link are frozen at that level; repeat. Scratch
/// arrays are indexed by link and reset only where touched, so one solve
/// costs O(route entries + levels * touched links).
class RateSolver {
public:
  RateSolver(const std::vector<double> &capacity,
             const std::vector<uint32_t> &routeBegin,
             const std::vector<LinkId> &routeLinks,
             const std::vector<double> &routeFractions)
      : capacity(capacity), routeBegin(routeBegin), routeLinks(routeLinks),
        routeFractions(routeFractions), remaining(capacity.size()),
        unfrozenWeight(capacity.size()), unfrozenCount(capacity.size()),
        touched(capacity.size(), false), listBegin(capacity.size()) {}

  /// Sets rate[f] for every f in \p active (all have non-empty routes).
  void solve(ArrayRef<FlowId> active, std::vector<double> &rate,
             std::vector<char> &frozen) {
    touchedLinks.clear();
    for (FlowId f : active) {
      frozen[f] = false;
      for (uint32_t i = routeBegin[f]; i < routeBegin[f + 1]; ++i) {
        LinkId l = routeLinks[i];
        if (!touched[l]) {
          touched[l] = true;
          touchedLinks.push_back(l);
          remaining[l] = capacity[l];
          unfrozenWeight[l] = 0;
          unfrozenCount[l] = 0;
        }
        unfrozenWeight[l] += routeFractions[i];
        ++unfrozenCount[l];
      }
    }
    // Flows per link, as one array sliced by link (counting sort).
    uint32_t total = 0;
    for (LinkId l : touchedLinks) {
      listBegin[l] = total;
      total += unfrozenCount[l];
    }
    linkFlows.resize(total);
    cursor.resize(capacity.size());
    for (LinkId l : touchedLinks)
      cursor[l] = listBegin[l];
    for (FlowId f : active)
      for (uint32_t i = routeBegin[f]; i < routeBegin[f + 1]; ++i)
        linkFlows[cursor[routeLinks[i]]++] = f;

    unsigned left = active.size();
    double level = 0;
    // Each round freezes at least one flow (the flows of the fullest link),
    // so there are at most active.size() rounds.
    while (left > 0) {
      double next = kInf;
      for (LinkId l : touchedLinks)
        if (unfrozenCount[l] > 0)
          next = std::min(next, remaining[l] / unfrozenWeight[l]);
      // Rounding can make a later level a hair below the current one.
      level = std::max(level, next);
      saturated.clear();
      for (LinkId l : touchedLinks)
        if (unfrozenCount[l] > 0 &&
            remaining[l] / unfrozenWeight[l] <= level * (1 + 1e-12))
          saturated.push_back(l);
      for (LinkId l : saturated) {
        for (uint32_t k = listBegin[l]; k < cursor[l]; ++k) {
          FlowId f = linkFlows[k];
          if (frozen[f])
            continue;
          frozen[f] = true;
          rate[f] = level;
          --left;
          for (uint32_t i = routeBegin[f]; i < routeBegin[f + 1]; ++i) {
            LinkId m = routeLinks[i];
            remaining[m] -= routeFractions[i] * level;
            unfrozenWeight[m] -= routeFractions[i];
            --unfrozenCount[m];
          }
        }
      }
    }
    for (LinkId l : touchedLinks)
      touched[l] = false;
  }

private:
  const std::vector<double> &capacity;
  const std::vector<uint32_t> &routeBegin;
  const std::vector<LinkId> &routeLinks;
  const std::vector<double> &routeFractions;
  std::vector<double> remaining;
  std::vector<double> unfrozenWeight;
  std::vector<uint32_t> unfrozenCount;
  std::vector<char> touched;
  std::vector<uint32_t> listBegin;
  std::vector<uint32_t> cursor;
  std::vector<FlowId> linkFlows;
  std::vector<LinkId> touchedLinks;
  std::vector<LinkId> saturated;
};

} // namespace

FlowNetwork::FlowNetwork(unsigned numLinks, double linkCapacity)
    : capacity(numLinks, linkCapacity) {}

void FlowNetwork::setCapacity(LinkId link, double linkCapacity) {
  if (link < 0 || unsigned(link) >= capacity.size()) {
    if (firstError.empty())
      firstError = formatv("setCapacity: link {0} out of range", link).str();
    return;
  }
  capacity[link] = linkCapacity;
}

FlowId FlowNetwork::addFlow(ArrayRef<RouteHop> route, double size, double delay,
                            ArrayRef<FlowId> deps) {
  FlowId id = FlowId(bytes.size());
  auto fail = [&](const Twine &msg) {
    if (firstError.empty())
      firstError = ("flow " + Twine(id) + ": " + msg).str();
  };
  if (!std::isfinite(size) || size < 0)
    fail("size must be finite and >= 0");
  if (!std::isfinite(delay) || delay < 0)
    fail("start delay must be finite and >= 0");

  // Merge repeated links so that each link appears once per flow: the rate
  // solver counts a flow once per link entry.
  uint32_t begin = routeLinks.size();
  for (const RouteHop &hop : route) {
    if (hop.link < 0 || unsigned(hop.link) >= capacity.size()) {
      fail("link " + Twine(hop.link) + " out of range");
      continue;
    }
    if (!std::isfinite(hop.fraction) || hop.fraction < 0) {
      fail("route fraction must be finite and >= 0");
      continue;
    }
    if (hop.fraction == 0)
      continue;
    bool merged = false;
    for (uint32_t i = begin; i < routeLinks.size(); ++i)
      if (routeLinks[i] == hop.link) {
        routeFractions[i] += hop.fraction;
        merged = true;
        break;
      }
    if (!merged) {
      routeLinks.push_back(hop.link);
      routeFractions.push_back(hop.fraction);
    }
  }
  routeBegin.push_back(routeLinks.size());

  for (FlowId d : deps) {
    if (d >= id) {
      fail("dependency on flow " + Twine(d) + " that was not added before it");
      continue;
    }
    depIds.push_back(d);
  }
  depBegin.push_back(depIds.size());
  bytes.push_back(size);
  startDelay.push_back(delay);
  return id;
}

std::vector<double> FlowNetwork::linkBytes() const {
  std::vector<double> out(capacity.size(), 0.0);
  for (FlowId f = 0; f < bytes.size(); ++f)
    for (uint32_t i = routeBegin[f]; i < routeBegin[f + 1]; ++i)
      out[routeLinks[i]] += routeFractions[i] * bytes[f];
  return out;
}

Expected<FlowRunResult> FlowNetwork::run() const {
  if (!firstError.empty())
    return makeError(firstError);
  // Only links that some flow uses need a capacity.
  for (LinkId l : routeLinks)
    if (!(capacity[l] > 0) || !std::isfinite(capacity[l]))
      return makeError("link " + Twine(l) + " has no positive finite capacity");

  const unsigned n = bytes.size();
  FlowRunResult result;
  result.readyTime.assign(n, 0.0);
  result.startTime.assign(n, 0.0);
  result.finishTime.assign(n, 0.0);
  if (n == 0)
    return result;

  // Reverse edges: who waits on each flow.
  std::vector<uint32_t> dependentBegin(n + 1, 0);
  for (FlowId d : depIds)
    ++dependentBegin[d + 1];
  for (unsigned f = 0; f < n; ++f)
    dependentBegin[f + 1] += dependentBegin[f];
  std::vector<FlowId> dependents(depIds.size());
  {
    std::vector<uint32_t> cursor(dependentBegin.begin(),
                                 dependentBegin.end() - 1);
    for (FlowId f = 0; f < n; ++f)
      for (uint32_t i = depBegin[f]; i < depBegin[f + 1]; ++i)
        dependents[cursor[depIds[i]]++] = f;
  }

  std::vector<uint32_t> depsLeft(n);
  for (FlowId f = 0; f < n; ++f)
    depsLeft[f] = depBegin[f + 1] - depBegin[f];
  std::vector<double> remaining(bytes);
  std::vector<double> rate(n, 0.0);
  std::vector<char> frozen(n, false);

  using Pending = std::pair<double, FlowId>;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>>
      waiting;
  for (FlowId f = 0; f < n; ++f)
    if (depsLeft[f] == 0) {
      result.readyTime[f] = 0;
      waiting.push({startDelay[f], f});
    }

  std::vector<FlowId> active;
  std::vector<FlowId> finishedNow;
  RateSolver solver(capacity, routeBegin, routeLinks, routeFractions);
  unsigned done = 0;
  double now = 0;

  // Marks \p f finished at \p t and releases the flows that waited on it.
  auto finish = [&](FlowId f, double t) {
    result.finishTime[f] = t;
    result.makespan = std::max(result.makespan, t);
    ++done;
    for (uint32_t i = dependentBegin[f]; i < dependentBegin[f + 1]; ++i) {
      FlowId g = dependents[i];
      if (--depsLeft[g] == 0) {
        result.readyTime[g] = t;
        waiting.push({t + startDelay[g], g});
      }
    }
  };

  // Counts an event the first time anything happens at instant \p t.
  double lastEvent = -1;
  auto noteEvent = [&](double t) {
    if (t > lastEvent) {
      ++result.numEvents;
      lastEvent = t;
    }
  };

  while (done < n) {
    // Start every flow whose delay has passed. Flows that need no link time
    // finish at once and may release more flows at this same instant, hence
    // the loop until the heap's top lies in the future.
    while (!waiting.empty() && waiting.top().first <= now + timeTol(now)) {
      FlowId f = waiting.top().second;
      waiting.pop();
      noteEvent(now);
      result.startTime[f] = now;
      if (remaining[f] <= 0 || routeBegin[f] == routeBegin[f + 1])
        finish(f, now);
      else
        active.push_back(f);
    }
    if (done == n)
      break;

    // Every iteration follows a start or a finish, so the set changed.
    if (!active.empty()) {
      solver.solve(active, rate, frozen);
      ++result.numRateSolves;
    }

    double nextFinish = kInf;
    for (FlowId f : active)
      nextFinish = std::min(nextFinish, now + remaining[f] / rate[f]);
    double nextStart = waiting.empty() ? kInf : waiting.top().first;
    double next = std::min(nextFinish, nextStart);
    if (!std::isfinite(next))
      // Unreachable for valid input (a DAG with positive capacities); kept
      // so that a solver bug cannot turn into an endless loop.
      return makeError("simulation stalled with " + Twine(n - done) +
                       " flows unfinished");

    double dt = next - now;
    double tol = timeTol(next);
    finishedNow.clear();
    unsigned kept = 0;
    for (FlowId f : active) {
      if (now + remaining[f] / rate[f] <= next + tol) {
        remaining[f] = 0;
        finishedNow.push_back(f);
      } else {
        remaining[f] -= rate[f] * dt;
        active[kept++] = f;
      }
    }
    active.resize(kept);
    now = next;
    if (!finishedNow.empty())
      noteEvent(now);
    for (FlowId f : finishedNow)
      finish(f, now);
  }
  return result;
}

} // namespace sim
} // namespace aoizora
