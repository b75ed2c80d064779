package sim

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/datadriven"
)

// traceConfig is the base of every trace script: constant costs and latencies and no jitter,
// so a trace reads like arithmetic.
func traceConfig() Config {
	c := Defaults()
	c.Zones, c.ProxiesPerZone, c.Duration, c.ChurnRate = 2, Fixed(4), 30*time.Second, 0
	c.Services, c.Policies = 0, 0
	c.WAN = WAN{Latency: Fixed(0.010), Retransmit: 200 * time.Millisecond}
	ms := func(v float64) Cost { return Cost{Base: Fixed(v / 1e3)} }
	c.Costs = Costs{GlobalIntake: ms(2), ZoneSend: ms(1), GlobalSendWorkers: 1, ZoneStore: ms(1),
		ProxyRegen: ms(3), ProxyPush: ms(1), ProxyApply: ms(5), Resync: ms(4), ZoneWorkers: 2}
	c.Timers = Timers{
		ZoneReconnect:  Backoff{Base: time.Second, Max: 8 * time.Second},
		ProxyReconnect: Backoff{Base: 500 * time.Millisecond, Max: 4 * time.Second},
		Keepalive:      3 * time.Second,
	}
	c.SamplesPerCycle = 16
	return c
}

// TestTraces runs the scripts under testdata/trace: `reset` starts from the base config again,
// `config k=v…` adjusts it (slowdown=F or LO..HI sets a cycle factor, prep=MS a per-cycle cost,
// perproxy=MS a regenerate's cost per proxy of the zone, perpolicy=MS per resource,
// addpolicies=1 every write creating a policy),
// `write at=…`, `partition|crash|failover at=… for=… [zones=1,2] [oneway=toglobal|tozone]`
// add events, `run` prints the model trace and the outcome. -rewrite regenerates the files.
func TestTraces(t *testing.T) {
	datadriven.Walk(t, "testdata/trace", func(t *testing.T, path string) {
		cfg := traceConfig()
		datadriven.RunTest(t, path, func(t *testing.T, d *datadriven.TestData) string {
			args := map[string]string{}
			for _, a := range d.CmdArgs {
				args[a.Key] = strings.Join(a.Vals, ",")
			}
			dur := func(k string) time.Duration {
				v, err := time.ParseDuration(args[k])
				if err != nil {
					d.Fatalf(t, "%s: %v", k, err)
				}
				return v
			}
			num := func(k string) float64 {
				v, err := strconv.ParseFloat(args[k], 64)
				if err != nil {
					d.Fatalf(t, "%s: %v", k, err)
				}
				return v
			}
			switch d.Cmd {
			case "reset":
				cfg = traceConfig()
				return ""
			case "config":
				for k := range args {
					switch k {
					case "zones":
						cfg.Zones = int(num(k))
					case "proxies":
						cfg.ProxiesPerZone = Fixed(num(k))
					case "samples":
						cfg.SamplesPerCycle = int(num(k))
					case "workers":
						cfg.Costs.ZoneWorkers = int(num(k))
					case "loss":
						cfg.WAN.Loss = num(k)
					case "duration":
						cfg.Duration = dur(k)
					case "debounce":
						cfg.Timers.Debounce = dur(k)
					case "slowdown":
						// A cycle factor; const (slowdown=2) or uniform (slowdown=1..3).
						lo, hi, ok := strings.Cut(args[k], "..")
						a, err1 := strconv.ParseFloat(lo, 64)
						b, err2 := strconv.ParseFloat(hi, 64)
						switch {
						case !ok && err1 == nil:
							cfg.Costs.CycleFactor = Fixed(a)
						case ok && err1 == nil && err2 == nil:
							cfg.Costs.CycleFactor = Dist{Kind: Uniform, Min: a, Max: b}
						default:
							d.Fatalf(t, "slowdown: want F or LO..HI, got %q", args[k])
						}
					case "prep":
						// A per-cycle fixed cost in milliseconds, constant.
						cfg.Costs.CyclePrep = Cost{Base: Fixed(num(k) / 1e3)}
					case "perproxy":
						// Milliseconds added to each regenerate per proxy of the zone.
						cfg.Costs.RegenPerProxy = num(k) / 1e3
					case "perpolicy":
						// Milliseconds added to each regenerate per resource; with addpolicies=1
						// every write creates one.
						cfg.Costs.ProxyRegen.PerUnit = num(k) / 1e3
					case "addpolicies":
						cfg.WritesAddPolicies = num(k) == 1
					case "jitter":
						cfg.Timers.ZoneReconnect.Jitter, cfg.Timers.ProxyReconnect.Jitter = num(k), num(k)
					default:
						d.Fatalf(t, "unknown config key %q", k)
					}
				}
				return ""
			case "write":
				cfg.Writes = append(cfg.Writes, dur("at"))
				return ""
			case "partition", "crash", "failover":
				f := Fault{Kind: map[string]FaultKind{"partition": Partition, "crash": Crash, "failover": GlobalFailover}[d.Cmd],
					At: dur("at"), Duration: dur("for")}
				if z, ok := args["zones"]; ok {
					for _, s := range strings.Split(z, ",") {
						n, _ := strconv.Atoi(s)
						f.Zones = append(f.Zones, n-1)
					}
				}
				switch args["oneway"] {
				case "toglobal":
					f.OneWay, f.ToGlobal = true, true
				case "tozone":
					f.OneWay = true
				}
				cfg.Faults = append(cfg.Faults, f)
				return ""
			case "run":
				var b strings.Builder
				r, err := Run(cfg, func(line string) { b.WriteString(line + "\n") })
				if err != nil {
					return "error: " + err.Error() + "\n"
				}
				b.WriteString(outcome(r))
				return b.String()
			}
			d.Fatalf(t, "unknown command %q", d.Cmd)
			return ""
		})
	})
}

func outcome(r *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nwrites %d accepted %d retried %d lost %d dropped %d reconnects %d\n",
		r.Writes.Submitted, r.Writes.Accepted, r.Writes.RetriedFailover, r.Writes.LostMessages, r.Writes.Dropped, r.Writes.Reconnects)
	for _, q := range r.Stages {
		fmt.Fprintf(&b, "%s n=%d p50=%.1fms max=%.1fms\n", q.Stage, q.Count, q.P50, q.Max)
	}
	for _, f := range r.Faults {
		fmt.Fprintf(&b, "fault %d %s zones=%d target=v%d converged=%v after=%.1fms\n", f.Index, f.Kind, f.Zones, f.TargetVersion, f.Converged, f.ConvergenceMs)
	}
	for _, s := range r.Storms {
		fmt.Fprintf(&b, "storm %s proxies=%d reconnects +%.1fms..+%.1fms drained +%.1fms peak queue %d\n", s.Zone, s.Proxies, s.FirstMs, s.LastMs, s.DrainedMs, s.PeakQueue)
	}
	return b.String()
}
