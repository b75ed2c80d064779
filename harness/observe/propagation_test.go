package observe

import (
	"testing"
	"time"
)

func TestSamplesAttributesOnlyAffectedProxies(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	writes := []Write{{Key: "TP/m/a", Version: 1, Acked: ms(0)}, {Key: "TP/m/b", Version: 1, Acked: ms(100)}}
	arrivals := []Arrival{
		{Zone: "z1", Key: "TP/m/a", Version: 1, Revision: 10, Time: ms(5)},
		{Zone: "z1", Key: "TP/m/b", Version: 1, Revision: 11, Time: ms(104)},
		{Zone: "z1", Key: "Dataplane/m/x", Version: 3, Revision: 9, Time: ms(-50)}, // not a harness write
	}
	applied := []Applied{
		{Zone: "z1", Proxy: "p1", Revision: 10, Time: ms(20)},
		{Zone: "z1", Proxy: "p1", Revision: 11, Time: ms(130)},
		// p2 was not affected by the first write: its first application is for the second.
		{Zone: "z1", Proxy: "p2", Revision: 11, Time: ms(120)},
	}
	got := Samples(writes, arrivals, applied)
	want := []Sample{
		{StageGlobalZone, "z1", "", "TP/m/a", 0.005},
		{StageZoneProxy, "z1", "p1", "TP/m/a", 0.015},
		{StageEndToEnd, "z1", "p1", "TP/m/a", 0.020},
		{StageGlobalZone, "z1", "", "TP/m/b", 0.004},
		{StageZoneProxy, "z1", "p1", "TP/m/b", 0.026},
		{StageEndToEnd, "z1", "p1", "TP/m/b", 0.030},
		{StageZoneProxy, "z1", "p2", "TP/m/b", 0.016},
		{StageEndToEnd, "z1", "p2", "TP/m/b", 0.020},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d samples %+v; want %d", len(got), got, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Stage != w.Stage || g.Zone != w.Zone || g.Proxy != w.Proxy || g.Key != w.Key || abs(g.Seconds-w.Seconds) > 1e-9 {
			t.Errorf("sample %d: got %+v; want %+v", i, g, w)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
