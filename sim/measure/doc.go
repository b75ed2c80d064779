// Package measure is the measuring half of calibration: it runs a small real topology of the
// reference mesh (harness/mesh, fake proxies on the process backend), writes policies at
// global, times every stage from outside the components, and maps what it timed onto the
// simulator's stages as a calibrate.Samples document. It also turns a measured run into the
// sim.Config that describes it, so a calibration can be checked by predicting a run.
//
// The mapping (see docs/bench/calibration.md for why each one is as faithful as it gets):
//
//   - globalIntake: the client's round trip of each policy write to global.
//   - zoneStore: global's commit → the zone store's commit of the same version, per zone (the
//     link is loopback, so the run's WAN latency is configured as zero, not fitted).
//   - proxyRegen: per proxy, the zone's generation pass time × workers ÷ proxies generated,
//     read from the zone's zonemesh_xds_generation_seconds histogram around each write; the
//     real server builds and sets a proxy's snapshot in one job, so proxyRegen carries the
//     push as well and proxyPush is zero. One sample per pass (PerCycle): the line over the
//     resources is the per-proxy cost, each pass's ratio to it is a draw of the cycle factor.
//   - cycleFactor: fitted to those ratios; each apply sample is divided by its pass's ratio
//     before fitting, since the simulator multiplies the cycle's apply times by the factor.
//   - proxyApply: how long the last proxy to apply took past the end of the pass (one sample
//     per write and zone); proxies in the middle of a pass are not generated at an even pace,
//     so their delays cannot be split into place in the pass and apply.
//   - zoneSend and resync are not visible from outside and keep their configured defaults;
//     timers (keepalive, backoff, debounce) come from the components' configuration.
package measure
