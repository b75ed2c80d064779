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
	// sim: 3 zones, 150 proxies, 30s simulated, 336 events (SIMULATED)
	// writes: 29 submitted, 29 accepted, 0 retried after failover; messages: 0 lost, 0 dropped; 1 zone reconnects
	//   global-zone  p50      37.2ms  p90      74.4ms  p99     789.3ms  max     789.3ms  (n=87)
	//   zone-proxy   p50       8.5ms  p90     323.0ms  p99    5167.4ms  max    5216.5ms  (n=4350)
	//   end-to-end   p50      49.8ms  p90     339.7ms  p99    5972.7ms  max    6005.9ms  (n=4350)
	//   fault 0 crash          at   10.0s for   5.0s on    1 zones: converged 5354.5ms after
}
