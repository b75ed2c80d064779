package calibrate

import (
	"bytes"
	"testing"
	"time"

	"github.com/zonemesh/zonemesh/sim"
)

// FuzzRead: any input is refused with an error or yields a file the simulator runs with.
func FuzzRead(f *testing.F) {
	f.Add([]byte(`{"version":1,"stages":{"proxyApply":{"fit":{"dist":{"kind":"lognormal","mu":-5,"sigma":0.5},"n":100,"ks":0.03,"aic":-900}}}}`))
	f.Add([]byte(`{"version":1,"stages":{"zoneStore":{"fit":{"dist":{"kind":"pareto","min":0.001,"alpha":0.1},"n":1,"ks":0,"aic":0},"perUnit":1e300}}}`))
	f.Add([]byte(`{"version":1,"stages":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		cfg := sim.Defaults()
		cfg.Zones, cfg.ProxiesPerZone, cfg.Duration = 2, sim.Fixed(3), 5*time.Second
		if err := file.Apply(&cfg); err != nil {
			t.Fatalf("a file Read accepted does not apply: %v", err)
		}
		if _, err := sim.Run(cfg, nil); err != nil {
			t.Fatalf("a file Read accepted does not run: %v", err)
		}
	})
}
