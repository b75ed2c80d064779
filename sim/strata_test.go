package sim

import (
	"math"
	"testing"
	"time"
)

// The strata shortcut (a few drawn proxies per push cycle, each standing for its stratum)
// must agree with drawing every proxy, within histogram and sampling error.
func TestStrataAgreeWithExactProxies(t *testing.T) {
	c := Defaults()
	c.Zones, c.ProxiesPerZone, c.Duration, c.ChurnRate = 5, Fixed(400), time.Minute, 3
	exact := c
	exact.SamplesPerCycle = 400
	c.SamplesPerCycle = 16
	a, err := Run(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(exact, nil)
	if err != nil {
		t.Fatal(err)
	}
	for s := range nStages {
		if a.Stages[s].Count != b.Stages[s].Count {
			t.Errorf("%s: %d vs %d proxy-versions", stageNames[s], a.Stages[s].Count, b.Stages[s].Count)
		}
		for _, q := range []struct {
			name       string
			strat, all float64
		}{{"p50", a.Stages[s].P50, b.Stages[s].P50}, {"p99", a.Stages[s].P99, b.Stages[s].P99}} {
			if math.Abs(q.strat-q.all) > 0.10*q.all {
				t.Errorf("%s %s: strata %.1fms, every proxy %.1fms", stageNames[s], q.name, q.strat, q.all)
			}
		}
	}
}
