package observe

import (
	"testing"
	"time"
)

func TestSamplesCountOnlyProxiesThatGotTheWrite(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	writes := []Write{
		{Key: "TP/m/a", Version: 1, Acked: ms(0)},
		{Key: "TP/m/a", Deleted: true, Acked: ms(100)},
	}
	arrivals := []Arrival{
		{Zone: "z1", Key: "TP/m/a", Version: 1, Time: ms(5)},
		{Zone: "z1", Key: "TP/m/a", Deleted: true, Time: ms(104)},
		{Zone: "z1", Key: "TP/m/old", Version: 3, Time: ms(-50)}, // a resync, not a harness write
		{Zone: "z2", Key: "TP/m/a", Version: 1, Time: ms(7)},
	}
	applied := []Applied{
		{Zone: "z1", Proxy: "p1", Key: "TP/m/a", Version: 1, Time: ms(20)},
		{Zone: "z1", Proxy: "p1", Key: "TP/m/a", Version: 1, Time: ms(40)}, // applied again later: the first counts
		{Zone: "z1", Proxy: "p1", Key: "TP/m/a", Version: 0, Time: ms(130)},
		{Zone: "z1", Proxy: "p2", Key: "TP/m/other", Version: 2, Time: ms(25)}, // never got TP/m/a
	}
	got := Samples(writes, arrivals, applied)
	want := []Sample{
		{StageEndToEnd, "z1", "p1", "TP/m/a", 0.020},
		{StageEndToEnd, "z1", "p1", "TP/m/a", 0.030},
		{StageGlobalZone, "z1", "", "TP/m/a", 0.004},
		{StageGlobalZone, "z1", "", "TP/m/a", 0.005},
		{StageGlobalZone, "z2", "", "TP/m/a", 0.007},
		{StageZoneProxy, "z1", "p1", "TP/m/a", 0.015},
		{StageZoneProxy, "z1", "p1", "TP/m/a", 0.026},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d samples %+v; want %d", len(got), got, len(want))
	}
	// Order within equal (key, stage, zone, proxy) is by value here.
	for i := range want {
		g, w := got[i], want[i]
		if g.Stage != w.Stage || g.Zone != w.Zone || g.Proxy != w.Proxy || g.Key != w.Key {
			t.Errorf("sample %d: got %+v; want %+v", i, g, w)
		}
	}
	sum := func(ss []Sample) float64 {
		x := 0.0
		for _, s := range ss {
			x += s.Seconds
		}
		return x
	}
	if d := sum(got) - sum(want); d > 1e-9 || d < -1e-9 {
		t.Errorf("seconds differ: got %+v", got)
	}
}
