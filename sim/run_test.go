package sim

import (
	"bytes"
	"testing"
	"time"
)

func faultConfig() Config {
	c := Defaults()
	c.Zones, c.ProxiesPerZone, c.Duration, c.ChurnRate = 20, LogNormalMean(50, 0.3), 3*time.Minute, 2
	c.WAN.Loss = 0.01
	c.Faults = []Fault{
		{At: 30 * time.Second, Kind: Partition, Share: 0.1, Duration: 20 * time.Second},
		{At: 60 * time.Second, Kind: Crash, Share: 0.1, Duration: 15 * time.Second},
		{At: 100 * time.Second, Kind: GlobalFailover, Duration: 5 * time.Second},
		{At: 130 * time.Second, Kind: Partition, Zones: []int{3}, OneWay: true, ToGlobal: true, Duration: 30 * time.Second},
	}
	return c
}

func TestFaultRunConverges(t *testing.T) {
	r, err := Run(faultConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	r.Summary(&b)
	t.Log(b.String())
	for _, f := range r.Faults {
		if !f.Converged {
			t.Errorf("fault %d (%s) did not converge", f.Index, f.Kind)
		}
	}
}

// Every accepted version reaches every zone store once and every proxy once, through loss,
// partitions (both kinds), a failover and CP crashes in the middle of push cycles: the counts
// are exact.
func TestEveryVersionReachesEveryProxyOnce(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		c := faultConfig()
		c.Seed, c.ChurnRate = seed, 0
		for at := time.Second; at < 150*time.Second; at += 700 * time.Millisecond {
			c.Writes = append(c.Writes, at)
		}
		c.Faults = []Fault{
			{At: 20 * time.Second, Kind: Partition, Share: 0.3, Duration: 30 * time.Second},
			{At: 60 * time.Second, Kind: Partition, Share: 0.2, Duration: 5 * time.Second, OneWay: true},
			{At: 70 * time.Second, Kind: Partition, Share: 0.2, Duration: 20 * time.Second, OneWay: true, ToGlobal: true},
			{At: 100 * time.Second, Kind: GlobalFailover, Duration: 4 * time.Second},
			{At: 110*time.Second + 3*time.Millisecond, Kind: Crash, Share: 0.5, Duration: 6 * time.Second},
			{At: 121 * time.Second, Kind: Crash, Share: 0.5, Duration: 2 * time.Second},
		}
		if seed > 2 {
			c.ProxiesPerZone = Fixed(3) // exact per-proxy cycles
		}
		r, err := Run(c, nil)
		if err != nil {
			t.Fatal(err)
		}
		v := uint64(r.Writes.Accepted)
		if v != uint64(len(c.Writes)) {
			t.Fatalf("seed %d: %d of %d writes accepted", seed, v, len(c.Writes))
		}
		if got, want := r.Stages[stageGlobalZone].Count, v*uint64(r.Zones); got != want {
			t.Errorf("seed %d: %d zone stores, want %d", seed, got, want)
		}
		for _, s := range []int{stageZoneProxy, stageEndToEnd} {
			if got, want := r.Stages[s].Count, v*uint64(r.Proxies); got != want {
				t.Errorf("seed %d: %s %d proxy applies, want %d", seed, stageNames[s], got, want)
			}
		}
	}
}
