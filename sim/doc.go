// Package sim is zonemesh's discrete-event simulator of multi-zone policy propagation under
// faults. A pure core: Run takes a Config (counts, distributions, cost model, timers, fault
// events) and returns Results; no wall clock, no global RNG, one goroutine, so the same Config
// and seed give byte-identical results on any machine and any GOMAXPROCS.
//
// The model, one event kind per step (see world.go):
//
//   - Policy writes arrive at global (Poisson churn and scripted writes), queue on its single
//     intake and are acknowledged; global's send pool then sends each version to every
//     connected zone. A write during a global failover is refused and retried at recovery.
//   - WAN messages take a drawn latency plus one retransmit per loss and never overtake the
//     previous message of their stream. A partition holds messages on a live stream (TCP
//     delivers them after the heal) until the keepalive declares the stream dead; the zone then
//     redials with jittered exponential backoff and global resyncs what it lacks.
//   - A zone stores what it receives (one FIFO store), then its worker pool runs a push cycle
//     covering every stored version: with Costs.CyclePrep the cycle first does its fixed work
//     (gathering the resources every config is built from), then each proxy costs a regenerate
//     plus a push, and applies and ACKs after its own apply time. Versions that arrive during
//     a cycle go in the next one.
//     With Costs.CycleFactor, one slowdown is drawn per cycle (and per reconnect storm) and
//     multiplies every prep, regenerate, push and apply time in it: a loaded zone CP slows whole
//     passes, which independent per-proxy draws would average away.
//   - A crashed zone CP loses its streams and its cycle in progress; on restart it resyncs and
//     its proxies, redialling on their own backoff since the crash, form a reconnect storm that
//     the pool serves first come, first served with full configs.
//
// Events are per zone, never per proxy. Up to Config.SamplesPerCycle proxies a cycle is
// simulated proxy by proxy; beyond, the proxies are split into that many equal strata whose
// summed cost (normal approximation) keeps the pool busy, and one drawn proxy per stratum,
// weighted by its size, is recorded into fixed log histograms (about 3% relative error). A
// 1,000-proxy zone costs the same few events per version as a 10-proxy one.
//
// A push cycle's proxies are recorded when it ends. If the zone CP crashes first, the proxies
// the pool had finished keep the versions and the rest get them from the reconnect storm, so
// every version is counted once per proxy whatever the faults (see the invariant test).
package sim
