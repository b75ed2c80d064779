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
