package sim

import (
	"testing"
	"time"
)

// bigFaults is the shipped sim-1m-faults scenario in Config form.
func bigFaults() Config {
	c := Defaults()
	c.Name = "sim-1m-faults"
	c.Zones, c.ProxiesPerZone, c.Duration = 1000, Fixed(1000), 10*time.Minute
	c.Services, c.Policies, c.ChurnRate = 200, 500, 5
	c.WAN.Loss = 0.005
	c.Faults = []Fault{
		{At: 2 * time.Minute, Kind: Partition, Share: 0.1, Duration: time.Minute},
		{At: 4 * time.Minute, Kind: Crash, Share: 0.01, Duration: 20 * time.Second},
		{At: 6 * time.Minute, Kind: GlobalFailover, Duration: 5 * time.Second},
	}
	return c
}

// BenchmarkModel1MFaults runs the whole 1,000 zones × 1,000,000 proxies fault scenario; one op
// is one full run.
func BenchmarkModel1MFaults(b *testing.B) {
	for range b.N {
		r, err := Run(bigFaults(), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(r.Events)/(b.Elapsed().Seconds()/float64(b.N)), "events/s")
	}
}
