package sim_test

import (
	"os"
	"time"

	"github.com/zonemesh/zonemesh/sim"
)

// A run is one call: a Config in, Results out; the same seed prints the same lines anywhere.
func ExampleRun() {
	cfg := sim.Defaults()
	cfg.Zones, cfg.ProxiesPerZone, cfg.Duration, cfg.ChurnRate = 3, sim.Fixed(50), 30*time.Second, 1
	cfg.Faults = []sim.Fault{{At: 10 * time.Second, Kind: sim.Crash, Zones: []int{0}, Duration: 5 * time.Second}}
	r, err := sim.Run(cfg, nil)
	if err != nil {
		panic(err)
	}
	r.Summary(os.Stdout)
	// Output:
	// sim: 3 zones, 150 proxies, 30s simulated, 321 events (SIMULATED)
	// writes: 29 submitted, 29 accepted, 0 retried after failover; messages: 0 lost, 0 dropped; 1 zone reconnects
	//   global-zone  p50      37.2ms  p90      87.0ms  p99    4461.8ms  max    4461.8ms  (n=87)
	//   zone-proxy   p50       8.5ms  p90    3053.5ms  p99    8254.4ms  max   10346.5ms  (n=4350)
	//   end-to-end   p50      50.9ms  p90    3858.8ms  p99    8254.4ms  max   14808.3ms  (n=4350)
	//   slowest zones by end-to-end p99: zone-1 8254.4ms zone-2 105.9ms zone-3 103.8ms
	//   reconnect storms: 1 zones, peak queue 0 proxies, slowest drained 10439.8ms after restart
	//   fault 0 crash          at   10.0s for   5.0s on    1 zones: converged 10442.1ms after
}
