package sim

import (
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchRun(b *testing.B, c Config) {
	var events uint64
	cpu0 := cpuTime()
	for range b.N {
		r, err := Run(c, nil)
		if err != nil {
			b.Fatal(err)
		}
		events += r.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(events)/(cpuTime()-cpu0).Seconds(), "events/cpu-s")
	b.ReportMetric(float64(events)/float64(b.N), "events/run")
}

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
func BenchmarkModel1MFaults(b *testing.B) { benchRun(b, bigFaults()) }

// BenchmarkModelSmall is the same fault scenario at 20 zones × 50 proxies, every proxy drawn
// individually (no strata): the model's cost per event without the sampling shortcut.
func BenchmarkModelSmall(b *testing.B) {
	c := faultConfig()
	c.SamplesPerCycle = 1000
	benchRun(b, c)
}
